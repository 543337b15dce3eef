"""The speed fixes of scripts/emulator/moto_speed.py change no answer."""

import os
import unittest

from .harness import client, emulator_url, unique


class DispatchTest(unittest.TestCase):
    def test_the_module_list_is_moto_s_package_directory_read_once(self):
        emulator_url()
        import moto
        from moto import backends

        path = os.path.dirname(moto.__file__)
        on_disk = sorted(name for name in os.listdir(path)
                         if os.path.isdir(os.path.join(path, name)) and not name.startswith("__"))
        listed = list(backends.list_of_moto_modules())
        self.assertEqual(listed, on_disk)
        self.assertIn("sqs", listed)
        self.assertIs(type(backends.list_of_moto_modules()), tuple, "read once, not walked per call")

    def test_requests_still_reach_each_service(self):
        sqs, sns, sts = client("sqs"), client("sns"), client("sts")
        self.assertIn("QueueUrl", sqs.create_queue(QueueName=unique("q")))
        self.assertIn("TopicArn", sns.create_topic(Name=unique("t")))
        self.assertEqual(sts.get_caller_identity()["Account"], "123456789012")


class RetentionTest(unittest.TestCase):
    """A message older than the queue's MessageRetentionPeriod is not
    delivered; a younger one is (what moto checked before, read directly)."""

    def setUp(self):
        self.sqs = client("sqs")
        self.name = unique("retention")
        self.url = self.sqs.create_queue(
            QueueName=self.name, Attributes={"MessageRetentionPeriod": "60"})["QueueUrl"]

    def queued(self):
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.sqs.models import sqs_backends

        return sqs_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].get_queue(self.name)

    def test_a_message_past_the_retention_period_is_not_delivered(self):
        self.sqs.send_message(QueueUrl=self.url, MessageBody="old")
        for message in self.queued()._messages:
            message.sent_timestamp -= 61_000
        got = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10)
        self.assertEqual(got.get("Messages", []), [])

    def test_a_message_within_the_retention_period_is_delivered(self):
        self.sqs.send_message(QueueUrl=self.url, MessageBody="young")
        for message in self.queued()._messages:
            message.sent_timestamp -= 59_000
        got = self.sqs.receive_message(QueueUrl=self.url, MaxNumberOfMessages=10)
        self.assertEqual([m["Body"] for m in got["Messages"]], ["young"])


class ScanOrderTest(unittest.TestCase):
    """Scan pages follow the key order moto's own comparison gives: numbers
    by value (2 before 10), then the sort key; paging visits each item once."""

    def test_number_keys_scan_in_numeric_order_and_page_through_every_item(self):
        db = client("dynamodb")
        table = unique("order")
        db.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "N"}])
        for k in (10, 2, 33, 1, 100):
            db.put_item(TableName=table, Item={"k": {"N": str(k)}})
        whole = [int(i["k"]["N"]) for i in db.scan(TableName=table)["Items"]]
        self.assertEqual(whole, [1, 2, 10, 33, 100])
        paged, start = [], {}
        while True:
            page = db.scan(TableName=table, Limit=2, **start)
            paged += [int(i["k"]["N"]) for i in page["Items"]]
            if "LastEvaluatedKey" not in page:
                break
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}
        self.assertEqual(paged, whole)

    def test_items_of_one_partition_scan_in_sort_key_order(self):
        db = client("dynamodb")
        table = unique("order")
        db.create_table(TableName=table, BillingMode="PAY_PER_REQUEST",
                        KeySchema=[{"AttributeName": "p", "KeyType": "HASH"},
                                   {"AttributeName": "s", "KeyType": "RANGE"}],
                        AttributeDefinitions=[{"AttributeName": "p", "AttributeType": "S"},
                                              {"AttributeName": "s", "AttributeType": "N"}])
        for p, s in (("b", 3), ("a", 20), ("b", 1), ("a", 3)):
            db.put_item(TableName=table, Item={"p": {"S": p}, "s": {"N": str(s)}})
        got = [(i["p"]["S"], int(i["s"]["N"])) for i in db.scan(TableName=table)["Items"]]
        self.assertEqual(got, [("a", 3), ("a", 20), ("b", 1), ("b", 3)])


if __name__ == "__main__":
    unittest.main()
