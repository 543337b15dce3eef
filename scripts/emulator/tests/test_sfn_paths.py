"""JSONPath as Step Functions evaluates it (Jayway JsonPath): an indefinite
path (wildcard, slice, filter, deep scan) always gives a list, empty when
nothing matches; a definite one gives the value. moto gave a filter's single
match as the bare value and failed a filter that matched nothing, so a count
like `States.ArrayLength($.Findings[?(@.Severity == 'CRITICAL')])` broke on
exactly one, or zero, critical findings.

Source: https://docs.aws.amazon.com/step-functions/latest/dg/amazon-states-language-paths.html
("Reference paths ... must be definite"; other paths may be indefinite and
then select a JSON array)."""

import json
import unittest

from .harness import run_state_machine as run


def pass_state(parameters: dict) -> dict:
    return {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": parameters, "End": True}}}


class IndefinitePathsTest(unittest.TestCase):
    FINDINGS = {"f": [{"Severity": "CRITICAL"}, {"Severity": "HIGH"}]}

    def test_a_filter_with_one_match_is_a_list(self):
        out = run(pass_state({"one.$": "$.f[?(@.Severity == 'CRITICAL')]",
                              "n.$": "States.ArrayLength($.f[?(@.Severity == 'CRITICAL')])"}), self.FINDINGS)
        self.assertEqual(out["status"], "SUCCEEDED", out)
        self.assertEqual(json.loads(out["output"]), {"one": [{"Severity": "CRITICAL"}], "n": 1})

    def test_a_filter_with_no_match_is_an_empty_list(self):
        out = run(pass_state({"n.$": "States.ArrayLength($.f[?(@.Severity == 'LOW')])"}), self.FINDINGS)
        self.assertEqual(out["status"], "SUCCEEDED", out)
        self.assertEqual(json.loads(out["output"]), {"n": 0})

    def test_a_wildcard_over_one_item_is_a_list(self):
        out = run(pass_state({"e.$": "$.f[*].Severity"}), {"f": [{"Severity": "HIGH"}]})
        self.assertEqual(json.loads(out["output"]), {"e": ["HIGH"]})

    def test_wildcards_over_nested_lists_flatten_into_one_list(self):
        # The where-used workflow's batches: each answers a list of
        # references; `$[*].references[*]` is every reference, in order, and
        # an empty list when no batch found any.
        batches = {"b": [{"r": [1, 2]}, {"r": []}, {"r": [3]}]}
        out = run(pass_state({"all.$": "$.b[*].r[*]"}), batches)
        self.assertEqual(json.loads(out["output"]), {"all": [1, 2, 3]})
        out = run(pass_state({"all.$": "$.b[*].r[*]"}), {"b": [{"r": []}, {"r": []}]})
        self.assertEqual(out["status"], "SUCCEEDED", out)
        self.assertEqual(json.loads(out["output"]), {"all": []})

    def test_array_partition_makes_batches_of_ten_and_a_rest(self):
        out = run(pass_state({"p.$": "States.ArrayPartition($.ids, 10)"}), {"ids": list(range(12))})
        self.assertEqual(json.loads(out["output"]), {"p": [list(range(10)), [10, 11]]})

    def test_array_partition_of_no_array_or_a_chunk_size_below_one_fails(self):
        # The where-used batches rely on it: a wrong call fails, as AWS's
        # intrinsic refuses it, instead of answering something.
        for args, data in (("$.ids, 10", {"ids": "ami-1"}), ("$.ids, 0", {"ids": [1, 2]}),
                           ("$.ids, -1", {"ids": [1, 2]})):
            out = run(pass_state({"p.$": f"States.ArrayPartition({args})"}), data)
            self.assertEqual(out["status"], "FAILED", (args, out))

    def test_a_definite_path_is_the_value(self):
        out = run(pass_state({"s.$": "$.f[0].Severity"}), self.FINDINGS)
        self.assertEqual(json.loads(out["output"]), {"s": "CRITICAL"})

    def test_a_definite_path_that_is_missing_fails(self):
        out = run(pass_state({"s.$": "$.f[0].Missing"}), self.FINDINGS)
        self.assertEqual(out["status"], "FAILED", out)
        self.assertEqual(out.get("error"), "States.Runtime")


if __name__ == "__main__":
    unittest.main()
