"""One emulator per test process, as scripts/moto_server.py starts it: moto's
server with amiboard's extensions installed, on a free 127.0.0.1 port, with
Step Functions execution switched on. Tests talk to it with boto3 exactly as
a client would, so each rule is checked through the wire format.

    from .harness import client, emulator_url

Run: .venv/bin/python -m unittest discover -s scripts/emulator/tests -t scripts
"""

import json
import os
import socket
import sys
import threading
import time
import urllib.request
import uuid

_HERE = os.path.dirname(os.path.abspath(__file__))
_SCRIPTS = os.path.dirname(os.path.dirname(_HERE))
if _SCRIPTS not in sys.path:
    sys.path.insert(0, _SCRIPTS)

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
os.environ["AWS_EC2_METADATA_DISABLED"] = "true"

_LOCK = threading.Lock()
_URL = None


def _free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def emulator_url() -> str:
    """Starts the emulator once (moto_server.py's patches and the extensions)."""
    global _URL
    with _LOCK:
        if _URL is not None:
            return _URL
        import logging

        # The failures the tests provoke on purpose are logged by moto's
        # Step Functions interpreter with their whole state: keep the output
        # to the tests' own.
        logging.getLogger("moto").setLevel(logging.CRITICAL)
        logging.getLogger("werkzeug").setLevel(logging.ERROR)
        import moto_server  # noqa: F401  (applies moto fixes and installs the extensions)
        from moto.server import ThreadedMotoServer

        port = _free_port()
        # Step Functions' aws-sdk tasks call moto's own server at MOTO_PORT.
        os.environ["MOTO_PORT"] = str(port)
        server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
        server.start()
        url = f"http://127.0.0.1:{port}"
        deadline = time.time() + 30
        while True:
            try:
                req = urllib.request.Request(
                    url + "/moto-api/config", method="POST",
                    data=json.dumps({"stepfunctions": {"execute_state_machine": True}}).encode(),
                    headers={"Content-Type": "application/json"})
                urllib.request.urlopen(req, timeout=1).read()
                break
            except Exception:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        _URL = url
        return url


def client(service: str, region: str = "us-east-1"):
    import boto3
    from botocore.config import Config

    return boto3.client(service, region_name=region, endpoint_url=emulator_url(),
                        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}))


def run_state_machine(definition: dict, document=None, seconds: float = 20) -> dict:
    """Creates a state machine of `definition`, runs it on `document` and
    returns DescribeExecution once it ended (or after `seconds`)."""
    import time

    sfn = client("stepfunctions")
    arn = sfn.create_state_machine(name=unique("sm"), definition=json.dumps(definition),
                                   roleArn="arn:aws:iam::123456789012:role/sfn")["stateMachineArn"]
    execution = sfn.start_execution(stateMachineArn=arn, input=json.dumps(document or {}))["executionArn"]
    deadline = time.time() + seconds
    while True:
        described = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING" or time.time() > deadline:
            return described
        time.sleep(0.1)


def unique(prefix: str = "t") -> str:
    """A name no other test uses (the emulator is shared by the process)."""
    return f"{prefix}{uuid.uuid4().hex[:10]}"


def error_code(err) -> str:
    """The error code of a botocore ClientError."""
    return err.response.get("Error", {}).get("Code", "")
