"""Three costs of moto 5.1.22's server that grow with the traffic or the
table, not with what the service does, taken away without changing any
answer:

- **Dispatch.** Every request that names its service only in its signature
  (all of the AWS SDKs' requests to one endpoint) asks
  `moto.backends.list_of_moto_modules()`, which lists moto's package
  directory and stats each of its ~200 entries, under the dispatcher's one
  lock: every request waited for a directory walk. The list cannot change
  while the server runs, so it is read once.
- **SQS retention.** `ReceiveMessage` checks each message it returns
  against the queue's `MessageRetentionPeriod` by building the queue's whole
  attribute map, whose approximate counts walk every message in the queue:
  a receive from a queue of n messages cost O(n) per message returned, and a
  consumer that fell behind fell further behind. The check now reads the
  one attribute it needs; the rule is the same (a message older than the
  retention period is not delivered).
- **DynamoDB Scan order.** Every Scan page sorts the whole table by key,
  and the sort compared moto's `DynamoType` objects through Python-level
  `__lt__` calls that convert both values each time (a quarter of the
  server's time in a `list --json` of 10 000). The sort now uses each key's
  value as `DynamoType.__lt__` itself compares it (`cast_value`), computed
  once per item: the same order.

Found with py-spy on the notification storm of `scripts/bench-real.sh` and
`list --json` on moto (docs/performance.md, session 6): in the storm, moto's
server was at 97 % of a core and answered ReceiveMessage in ~130 ms while
amiboard used 6 %.
"""


def install() -> None:
    from moto import backends
    from moto.core.utils import unix_time
    from moto.dynamodb.models.table import Table
    from moto.sqs.models import SQSBackend

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules

    def is_message_valid_based_on_retention_period(self, queue_name, message):
        retention = int(self.get_queue(queue_name).message_retention_period)
        return retention + message.sent_timestamp / 1000 > unix_time()

    SQSBackend.is_message_valid_based_on_retention_period = (
        is_message_valid_based_on_retention_period
    )

    def all_items(self):
        items = []
        for hash_set in self.items.values():
            if self.range_key_attr:
                items.extend(hash_set.values())
            else:
                items.append(hash_set)

        def order(item):
            if item.range_key:
                return (item.hash_key.cast_value, item.range_key.cast_value)
            return item.hash_key.cast_value

        return sorted(items, key=order)

    Table.all_items = all_items
