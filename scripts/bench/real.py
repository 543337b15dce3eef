"""Measures the real dashboard binary (scripts/bench-real.sh starts it): the
release `amiboard` in a private tmux server at 160x48, with its AWS clients,
notification listener, change reads and execution watcher running against
the local stack, N lifecycles in the table. Prints one line per figure,
`label: value (goal ...)`, for scripts/bench-real.sh to collect.

What it does, in order:
0. starts the dashboard with its log at the default level and presses
   nothing until the first load is done: the main thread's CPU until then
   is the first load's UI-thread work (the event loop's update() and
   drawing; the pages are read and prepared on the runner's worker
   threads); RSS; then `q`, and the dashboard is started again for 1-5;
1. starts the dashboard and, while the first load runs, opens and closes the
   help overlay (`?`, `Esc`): key -> frame is the time from `tmux send-keys`
   to the capture-pane that first shows the change (capture-pane polled
   back to back, a few ms apart). The first load ends when the header reads
   "updated just now"; its CPU is read from /proc (the whole process, and
   the main thread, which runs the event loop: update() and drawing);
2. RSS after the load (VmRSS), and the peak so far (VmHWM);
3. idle CPU: utime + stime over IDLE_S seconds (at least three refresh
   periods) once the header shows the stream connected, nothing pressed;
4. a notification storm: lifecycle-event messages for lifecycles in the
   table published to the lifecycle topic at RATE msg/s for STORM_S s, each
   of which the dashboard answers with a GetItem of that lifecycle (counted
   in its debug log), while `?`/`Esc` are timed as in 1. Before 5: after
   a change of every item the change reads re-read the whole table for
   their window, and the storm would be measured with that;
5. a refresh in which every record changed: the peak is reset
   (/proc/PID/clear_refs 5), every item of the table is rewritten
   (item_version + 1, owner changed, updated_at now) with BatchWriteItem,
   `r` is pressed, and the peak (VmHWM) is read once the reload is done,
   and again one refresh period later (the change reads meet the changed
   items too).

Usage: real.py N TABLE TOPIC_NAME LOG_FILE IDLE_S STORM_S RATE (the
dashboard command in AMIBOARD_BENCH_CMD; the AWS variables set)."""

import concurrent.futures
import datetime
import json
import os
import random
import shlex
import subprocess
import sys
import threading
import time

import boto3

SOCKET = os.environ.get("AMIBOARD_BENCH_TMUX", f"amiboard-bench-{os.getpid()}")
HELP = " Help (Esc back) "
TICK = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024


def tmux(*args, check=True):
    return subprocess.run(["tmux", "-L", SOCKET, *args], check=check,
                          capture_output=True, text=True).stdout


def screen():
    return tmux("capture-pane", "-p", "-t", "bench", check=False)


def say(label, value, goal=""):
    print(f"{label}: {value}" + (f"  (goal: {goal})" if goal else ""), flush=True)


def proc_status(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            fields[key] = value.strip()
    return fields


def kib(pid, key):
    return int(proc_status(pid)[key].split()[0])


def cpu_seconds(path):
    """utime + stime of /proc/PID/stat or /proc/PID/task/TID/stat, in s."""
    with open(path) as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def percentile(values, q):
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q / 100 * (len(ordered) - 1))))]


def summary(samples):
    if not samples:
        return "no samples"
    ms = [s * 1000 for s in samples]
    return (f"p50 {percentile(ms, 50):.1f} ms, p99 {percentile(ms, 99):.1f} ms, "
            f"max {max(ms):.1f} ms ({len(ms)} keys)")


def key_to_frame(key, shown, timeout=5.0):
    """Seconds from send-keys `key` to a screen where the help overlay is
    `shown` (or not); None when it did not happen within `timeout`."""
    started = time.perf_counter()
    tmux("send-keys", "-t", "bench", key)
    while time.perf_counter() - started < timeout:
        if (HELP in screen()) == shown:
            return time.perf_counter() - started
    return None


def toggle_help(samples):
    """Opens and closes the help overlay, timing both; the screen after."""
    for key, shown in (("?", True), ("Escape", False)):
        took = key_to_frame(key, shown)
        if took is None:
            raise SystemExit(f"real.py: the help overlay did not {'open' if shown else 'close'} within 5 s")
        samples.append(took)
    return screen()


def wait_for(what, timeout, pid):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = screen()
        if what in text:
            return text
        if not os.path.exists(f"/proc/{pid}"):
            raise SystemExit(f"real.py: the dashboard exited while waiting for {what!r}")
        time.sleep(0.05)
    raise SystemExit(f"real.py: {what!r} did not appear in {timeout} s; the screen:\n{screen()}")


def dynamodb():
    return boto3.client("dynamodb", region_name=os.environ["AWS_REGION"],
                        endpoint_url=os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
                        or os.environ["AWS_ENDPOINT_URL"])


def change_every_item(table):
    """Rewrites every item changed; returns (count, seconds)."""
    client, started, count = dynamodb(), time.monotonic(), 0
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    pool = concurrent.futures.ThreadPoolExecutor(4)
    pending = []

    def put(batch):
        request = {table: [{"PutRequest": {"Item": item}} for item in batch]}
        while request:
            unprocessed = client.batch_write_item(RequestItems=request)["UnprocessedItems"]
            request = unprocessed or None

    for page in client.get_paginator("scan").paginate(TableName=table):
        items = page["Items"]
        for item in items:
            item["item_version"] = {"N": str(int(item["item_version"]["N"]) + 1)}
            owner = item["owner"]["S"]
            item["owner"] = {"S": owner[:-8] if owner.endswith("-changed") else owner + "-changed"}
            item["updated_at"] = {"S": now}
        for i in range(0, len(items), 25):
            pending.append(pool.submit(put, items[i:i + 25]))
        count += len(items)
    for future in pending:
        future.result()
    pool.shutdown()
    return count, time.monotonic() - started


class ReReads:
    """Counts the dashboard's GetItem re-reads as its debug log grows."""

    def __init__(self, log_file):
        self.log = open(log_file, errors="replace")  # noqa: SIM115 (closed by close())
        self.log.seek(0, os.SEEK_END)
        self.count = 0

    def poll(self):
        self.count += sum("dynamodb GetItem" in line for line in self.log.readlines())
        return self.count

    def close(self):
        self.log.close()


def storm(topic_name, targets, seconds, rate, stop, reads):
    """Publishes lifecycle-event messages at `rate` msg/s for `seconds` s,
    never more than one second of messages (`rate`) ahead of the re-reads
    the dashboard logged (`reads`): moto's queue, once it grows, slows
    every receive and the stream falls over. Returns (published, failed,
    wall seconds)."""
    sns = boto3.client("sns", region_name=os.environ["AWS_REGION"],
                       endpoint_url=os.environ["AWS_ENDPOINT_URL"])
    arn = next(t["TopicArn"] for page in sns.get_paginator("list_topics").paginate()
               for t in page["Topics"] if t["TopicArn"].endswith(":" + topic_name))
    total, started = int(seconds * rate), time.monotonic()
    reads.poll()
    reads.count = 0
    counts = {"published": 0, "failed": 0}
    lock = threading.Lock()

    def publish(seq):
        lifecycle_id, tag = targets[seq % len(targets)]
        at = datetime.datetime.now(datetime.timezone.utc).isoformat()
        body = {"source": "amiboard", "kind": "lifecycle-event", "lifecycle_id": lifecycle_id,
                "stack_tag": tag, "event": "SMOKE_TESTS", "stage": "creation",
                "status": "IN_PROGRESS", "attempt": 1, "time": at}
        attributes = {k: {"DataType": "String", "StringValue": v} for k, v in
                      (("lifecycle_id", lifecycle_id), ("stack_tag", tag),
                       ("event", "SMOKE_TESTS"), ("status", "IN_PROGRESS"))}
        try:
            sns.publish(TopicArn=arn, Message=json.dumps(body), MessageAttributes=attributes)
            key = "published"
        except Exception as err:  # noqa: BLE001 (counted and reported)
            print(f"real.py: publish {seq} failed: {err}", file=sys.stderr)
            key = "failed"
        with lock:
            counts[key] += 1

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for seq in range(total):
            if stop.is_set():
                break
            delay = started + seq / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            while seq - reads.poll() > rate and not stop.is_set():
                time.sleep(0.01)
            pool.submit(publish, seq)
    return counts["published"], counts["failed"], time.monotonic() - started


def count_get_items(log_file):
    try:
        with open(log_file, errors="replace") as log:
            return sum("dynamodb GetItem" in line for line in log)
    except FileNotFoundError:
        return 0


def main():
    n, table, topic, log_file = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
    idle_s, storm_s, rate = float(sys.argv[5]), float(sys.argv[6]), float(sys.argv[7])
    command = os.environ["AMIBOARD_BENCH_CMD"]
    quiet = os.environ.get("AMIBOARD_BENCH_QUIET_CMD", command)
    try:
        untouched_load(n, quiet, log_file)
    finally:
        tmux("kill-server", check=False)
    tmux("new-session", "-d", "-s", "bench", "-x", "160", "-y", "48",
         "exec " + command + " 2>>" + shlex.quote(log_file + ".stderr"))
    try:
        run(n, table, topic, log_file, idle_s, storm_s, rate)
    finally:
        tmux("kill-server", check=False)


def until_loaded(pid, started, look, pause):
    """Calls `look` (which returns the screen), `pause` s apart, until the
    header says the first load is done; fails when the dashboard exits or
    after 30 minutes."""
    while True:
        text = look()
        if "updated just now" in text and "loading…" not in text:
            return text
        if not os.path.exists(f"/proc/{pid}"):
            raise SystemExit("real.py: the dashboard exited during the first load")
        if time.monotonic() - started > 1800:
            raise SystemExit("real.py: the first load did not finish in 30 minutes")
        time.sleep(pause)


def untouched_load(n, command, log_file):
    """0. The first load as a user who only watches sees it: no key pressed,
    the log at its default level. The main thread runs the event loop
    (update() and drawing), so its CPU until the load is done is the
    UI-thread work of the first load; the runner's worker threads read
    and prepare the pages. The dashboard is then quit with `q`."""
    tmux("new-session", "-d", "-s", "bench", "-x", "160", "-y", "48",
         "exec " + command + " 2>>" + shlex.quote(log_file + ".stderr"))
    pid = int(tmux("list-panes", "-t", "bench", "-F", "#{pane_pid}").split()[0])
    started = time.monotonic()
    wait_for("stream:", 60, pid)
    until_loaded(pid, started, screen, 0.25)
    wall = time.monotonic() - started
    main_cpu = cpu_seconds(f"/proc/{pid}/task/{pid}/stat")
    process_cpu = cpu_seconds(f"/proc/{pid}/stat")
    say(f"first load of {n}, no key pressed: UI-thread work",
        f"{main_cpu:.2f} s of main-thread CPU (event loop: update + draw), process {process_cpu:.2f} s, "
        f"wall {wall:.1f} s", "<= 0.5 s at 100k")
    say(f"RSS after the untouched load of {n}", f"{kib(pid, 'VmRSS') / 1024:.0f} MiB "
        f"(peak {kib(pid, 'VmHWM') / 1024:.0f} MiB)", "<= 120 MiB at 100k")
    tmux("send-keys", "-t", "bench", "q")
    deadline = time.monotonic() + 30
    while os.path.exists(f"/proc/{pid}") and time.monotonic() < deadline:
        time.sleep(0.1)


def run(n, table, topic, log_file, idle_s, storm_s, rate):
    pid = int(tmux("list-panes", "-t", "bench", "-F", "#{pane_pid}").split()[0])
    started = time.monotonic()
    wait_for("stream:", 60, pid)  # the first frame (the header names the stream)
    # 1. keys while the first load runs
    during_load = []
    until_loaded(pid, started, lambda: toggle_help(during_load), 0.1)
    load_wall = time.monotonic() - started
    process_cpu = cpu_seconds(f"/proc/{pid}/stat")
    main_cpu = cpu_seconds(f"/proc/{pid}/task/{pid}/stat")
    rows = [line for line in screen().splitlines() if "stream:" in line][:1]
    say(f"first load of {n}: wall", f"{load_wall:.1f} s to 'updated just now' "
        f"(the help overlay toggled {len(during_load) // 2} times meanwhile)")
    say(f"first load of {n}: CPU", f"process {process_cpu:.2f} s, main thread (event loop: "
        f"update + draw) {main_cpu:.2f} s", "UI-thread work <= 0.5 s at 100k")
    say(f"key -> frame during the first load of {n}", summary(during_load), "p99 <= 50 ms")
    if rows:
        say("header after the load", rows[0].strip())
    # 2. memory after the load
    say(f"RSS after the load of {n}", f"{kib(pid, 'VmRSS') / 1024:.0f} MiB "
        f"(peak during the load {kib(pid, 'VmHWM') / 1024:.0f} MiB)", "<= 120 MiB at 100k")
    # 3. idle CPU with the stream connected
    wait_for("stream: ● connected", 120, pid)
    before, t0 = cpu_seconds(f"/proc/{pid}/stat"), time.monotonic()
    time.sleep(idle_s)
    used, wall = cpu_seconds(f"/proc/{pid}/stat") - before, time.monotonic() - t0
    say(f"idle CPU, {n} loaded, stream connected",
        f"{100 * used / wall:.2f} % of a core ({used:.2f} s of CPU in {wall:.0f} s)",
        "<= 0.3 % at 100k")
    # 4. the storm, before the changing refresh: after a change of every
    # item the change reads re-read the whole table for their window
    # (CHANGE_MARGIN), which would be measured with it
    if storm_s > 0:
        storm_phase(n, pid, table, topic, log_file, storm_s, rate)
    else:
        say("storm", "not run")
    # 5. a refresh in which every record changed
    with open(f"/proc/{pid}/clear_refs", "w") as refs:
        refs.write("5")
    changed, took = change_every_item(table)
    say("every item changed", f"{changed} items rewritten in {took:.1f} s")
    reload_started = time.monotonic()
    tmux("send-keys", "-t", "bench", "r")
    wait_for("loading…", 30, pid)
    wait_for("updated just now", 1800, pid)
    reload_wall = time.monotonic() - reload_started
    say(f"refresh of {n}, every record changed", f"reload {reload_wall:.1f} s after `r`; RSS "
        f"{kib(pid, 'VmRSS') / 1024:.0f} MiB, peak from before the rewrite to the reload's end "
        f"{kib(pid, 'VmHWM') / 1024:.0f} MiB", "<= 120 MiB at 100k")
    time.sleep(35)  # one more refresh period: the change reads meet the changed items
    say(f"35 s later, {n}", f"RSS {kib(pid, 'VmRSS') / 1024:.0f} MiB, peak since before the "
        f"rewrite {kib(pid, 'VmHWM') / 1024:.0f} MiB")


def storm_phase(n, pid, table, topic, log_file, storm_s, rate):
    targets = sample_targets(table)
    reads_before, cpu_before = count_get_items(log_file), cpu_seconds(f"/proc/{pid}/stat")
    # The emulator's share: when moto's server nears a whole core, the rate
    # it delivers is moto's limit, not the dashboard's.
    moto_stat = f"/proc/{os.environ['MOTO_PID']}/stat" if os.environ.get("MOTO_PID") else None
    moto_before = cpu_seconds(moto_stat) if moto_stat else 0.0
    stop, result, follower = threading.Event(), {}, ReReads(log_file)
    publisher = threading.Thread(target=lambda: result.update(zip(
        ("published", "failed", "wall"), storm(topic, targets, storm_s, rate, stop, follower))),
        daemon=True)
    publisher.start()
    during_storm = []
    try:
        while publisher.is_alive():
            toggle_help(during_storm)
            time.sleep(0.2)
    finally:
        stop.set()
        publisher.join()
    time.sleep(5)  # the last messages' re-reads
    follower.close()
    reads = count_get_items(log_file) - reads_before
    storm_cpu = cpu_seconds(f"/proc/{pid}/stat") - cpu_before
    say(f"storm, {n} loaded", f"{result['published']} published in {result['wall']:.1f} s "
        f"({result['published'] / max(result['wall'], 0.001):.1f} msg/s), {result['failed']} failed; "
        f"{reads} GetItem re-reads of the table logged; dashboard CPU "
        f"{100 * storm_cpu / (result['wall'] + 5):.1f} % of a core", f"{rate:.0f} msg/s")
    if moto_stat:
        moto_cpu = cpu_seconds(moto_stat) - moto_before
        say(f"moto's server during the storm, {n} loaded",
            f"{100 * moto_cpu / (result['wall'] + 5):.1f} % of a core (SNS publish, SQS receive and delete)")
    say(f"key -> frame during the storm, {n} loaded", summary(during_storm), "p99 <= 50 ms")
    say(f"RSS after the storm, {n} loaded", f"{kib(pid, 'VmRSS') / 1024:.0f} MiB")


def sample_targets(table, count=2000):
    """`count` (lifecycle_id, stack_tag) pairs of the table, shuffled."""
    client, targets = dynamodb(), []
    for page in client.get_paginator("scan").paginate(
            TableName=table, ProjectionExpression="lifecycle_id, stack_tag"):
        targets += [(i["lifecycle_id"]["S"], i["stack_tag"]["S"]) for i in page["Items"]]
        if len(targets) >= count:
            break
    random.Random(22).shuffle(targets)
    return targets[:count]

if __name__ == "__main__":
    main()
