"""DynamoDB calls moto takes that DynamoDB refuses.

- Scan and Query with a `Limit` below 1: DynamoDB answers
  `ValidationException` ("Value '0' at 'limit' failed to satisfy constraint:
  Member must have value greater than or equal to 1"); moto 5.1.22 fails a
  `Limit` of 0 with an internal error and reads a negative one as no limit.
  The dashboard reads its pages with a `Limit` (`aws::dynamodb::PAGE_ITEMS`).
  Sources: https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Scan.html
  and https://docs.aws.amazon.com/amazondynamodb/latest/APIReference/API_Query.html
  (Limit: "Valid Range: Minimum value of 1").
"""

import functools


def limit_refusal(body: dict):
    """The error message for a request body whose `Limit` DynamoDB refuses, or None."""
    if "Limit" not in body:
        return None
    limit = body["Limit"]
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        return (f"1 validation error detected: Value '{limit}' at 'limit' failed to satisfy "
                "constraint: Member must have value greater than or equal to 1")
    return None


def install() -> None:
    from moto.dynamodb.exceptions import MockValidationException
    from moto.dynamodb.responses import DynamoHandler

    def checked(method):
        @functools.wraps(method)
        def wrapper(self, *args, **kwargs):
            refusal = limit_refusal(self.body)
            if refusal:
                raise MockValidationException(refusal)
            return method(self, *args, **kwargs)

        return wrapper

    for name in ("scan", "query"):
        setattr(DynamoHandler, name, checked(getattr(DynamoHandler, name)))
