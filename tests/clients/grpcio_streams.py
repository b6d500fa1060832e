"""Drives claimcheck's batch streams from Python grpcio, as a newsroom
script would: VerifyClaims with COUNT claims, or IngestDocuments with COUNT
small documents, each message written as soon as grpcio takes it. Messages
are encoded by hand (a few string fields), so only grpcio is needed.

Usage: grpcio_streams.py ADDRESS verify|ingest COUNT CLAIM
Prints one JSON line: {"answers": N, "distinct_ids": N, "errors": N,
"stored": N, "seconds": S}; exits 1 when the call fails."""

import json
import sys
import time

import grpc


def varint(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def string_field(number, text):
    data = text.encode("utf-8")
    return varint(number << 3 | 2) + varint(len(data)) + data


def fields(message):
    """(number, value) of each field: bytes for length-delimited, int for varint."""
    position = 0
    while position < len(message):
        key, position = read_varint(message, position)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, position = read_varint(message, position)
        elif wire == 2:
            length, position = read_varint(message, position)
            value = message[position:position + length]
            position += length
        elif wire == 1:
            value = message[position:position + 8]
            position += 8
        elif wire == 5:
            value = message[position:position + 4]
            position += 4
        else:
            raise ValueError(f"wire type {wire}")
        yield number, value


def read_varint(data, position):
    shift = 0
    value = 0
    while True:
        byte = data[position]
        position += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            return value, position


def main():
    address, method, count, claim = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    channel = grpc.insecure_channel(address)
    started = time.monotonic()
    identity = lambda message: message
    try:
        if method == "verify":
            call = channel.stream_stream(
                "/claimcheck.v1.FactCheck/VerifyClaims",
                request_serializer=identity,
                response_deserializer=identity,
            )
            requests = (
                string_field(1, claim) + string_field(2, str(index)) for index in range(count)
            )
            answers, ids, errors = 0, set(), 0
            for response in call(requests, timeout=600):
                answers += 1
                for number, value in fields(response):
                    if number == 1:
                        ids.add(value.decode())
                    elif number == 7 and value:
                        # VerifyClaimResponse.error: the claim was refused.
                        errors += 1
            result = {"answers": answers, "distinct_ids": len(ids), "errors": errors}
        else:
            call = channel.stream_unary(
                "/claimcheck.v1.FactCheck/IngestDocuments",
                request_serializer=identity,
                response_deserializer=identity,
            )
            requests = (
                string_field(1, f"grpcio-{index}") + string_field(2, f"{claim} ({index})")
                for index in range(count)
            )
            response = call(requests, timeout=600)
            stored = dict(fields(response)).get(2, 0)
            result = {"stored": stored}
    except grpc.RpcError as error:
        print(json.dumps({"error": f"{error.code()}: {error.details()}"}))
        sys.exit(1)
    result["seconds"] = round(time.monotonic() - started, 2)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
