#!/usr/bin/env python3
"""Plain boto3 Kinesis consumer: the baseline for the kvsedge latency bench.

Same polling discipline as kvsedge: one shard from LATEST, GetRecords every POLL seconds measured from the start
of the previous call (no wait while a batch arrives with a backlog). For each record prints
"<time.time() with microseconds> <FragmentNumber>" and flushes. Prints "ready ..." once the iterator exists,
so every record put after that line is seen. Exits when stdin closes (the bench went away).
"""
import argparse
import json
import os
import sys
import threading
import time

try:
    import boto3
    from botocore.config import Config
except ImportError as error:
    sys.stderr.write(f"boto3 is not importable ({error}). Install it: apt-get install python3-boto3 (or pip install boto3)\n")
    sys.exit(3)


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


def fragment_of(data):
    try:
        return json.loads(data)["InputInformation"]["KinesisVideo"]["FragmentNumber"]
    except (ValueError, KeyError, TypeError):
        return "-"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--endpoint", required=True)
    parser.add_argument("--stream", required=True)
    parser.add_argument("--poll", type=float, default=0.2)
    args = parser.parse_args()
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()

    client = boto3.client(
        "kinesis",
        endpoint_url=args.endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIDBOTO3BENCH",
        aws_secret_access_key="boto3-bench-secret",
        config=Config(retries={"max_attempts": 2, "mode": "standard"}, connect_timeout=5, read_timeout=10),
    )
    shard_id = client.list_shards(StreamName=args.stream)["Shards"][0]["ShardId"]
    iterator = client.get_shard_iterator(StreamName=args.stream, ShardId=shard_id, ShardIteratorType="LATEST")["ShardIterator"]
    print(f"ready python={sys.version.split()[0]} boto3={boto3.__version__}", flush=True)

    while iterator:
        started = time.monotonic()
        response = client.get_records(ShardIterator=iterator, Limit=1000)
        received = time.time()
        records = response["Records"]
        if records:
            print("\n".join(f"{received:.6f} {fragment_of(r['Data'])}" for r in records), flush=True)
        iterator = response.get("NextShardIterator")
        if records and response.get("MillisBehindLatest", 0) > 0:
            continue
        wait = args.poll - (time.monotonic() - started)
        if wait > 0:
            time.sleep(wait)


if __name__ == "__main__":
    main()
