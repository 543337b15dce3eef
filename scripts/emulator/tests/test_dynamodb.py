"""DynamoDB rules of the local stack (scripts/emulator/dynamodb_strict.py)."""

import unittest

from botocore.config import Config
from botocore.exceptions import ClientError

from .harness import emulator_url, error_code, unique


def raw_client():
    """A client that sends what it is given (botocore would refuse a Limit
    below 1 itself; the Rust SDK does not)."""
    import boto3

    return boto3.client("dynamodb", region_name="us-east-1", endpoint_url=emulator_url(),
                        config=Config(parameter_validation=False,
                                      retries={"total_max_attempts": 1, "mode": "standard"}))


class LimitTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = raw_client()
        cls.table = unique("limit")
        cls.db.create_table(TableName=cls.table, BillingMode="PAY_PER_REQUEST",
                            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
                            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}])
        for i in range(5):
            cls.db.put_item(TableName=cls.table, Item={"k": {"S": f"item-{i}"}})

    def test_a_limit_gives_at_most_that_many_items_and_a_cursor(self):
        first = self.db.scan(TableName=self.table, Limit=2)
        self.assertEqual(len(first["Items"]), 2)
        self.assertIn("LastEvaluatedKey", first)
        seen = [i["k"]["S"] for i in first["Items"]]
        start = first["LastEvaluatedKey"]
        while start:
            page = self.db.scan(TableName=self.table, Limit=2, ExclusiveStartKey=start)
            self.assertLessEqual(len(page["Items"]), 2)
            seen += [i["k"]["S"] for i in page["Items"]]
            start = page.get("LastEvaluatedKey")
        self.assertEqual(sorted(seen), [f"item-{i}" for i in range(5)])
        query = self.db.query(TableName=self.table, Limit=1, KeyConditionExpression="k = :k",
                              ExpressionAttributeValues={":k": {"S": "item-1"}})
        self.assertEqual(len(query["Items"]), 1)

    def test_a_limit_below_one_is_refused_by_scan_and_query(self):
        for limit in (0, -1):
            with self.subTest(limit=limit):
                with self.assertRaises(ClientError) as scan:
                    self.db.scan(TableName=self.table, Limit=limit)
                self.assertEqual(error_code(scan.exception), "ValidationException")
                self.assertIn("greater than or equal to 1", str(scan.exception))
                with self.assertRaises(ClientError) as query:
                    self.db.query(TableName=self.table, Limit=limit,
                                  KeyConditionExpression="k = :k",
                                  ExpressionAttributeValues={":k": {"S": "item-1"}})
                self.assertEqual(error_code(query.exception), "ValidationException")


if __name__ == "__main__":
    unittest.main()
