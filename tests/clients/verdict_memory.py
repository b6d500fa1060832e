"""Memory under answers of unbounded size: ingests one document of four
1 MB sentences, then sends 300 distinct claims that each get about 8 MB of
evidence back, and prints the server's RSS before and after (the verdict
cache must keep its byte budget).

Usage: verdict_memory.py ADDRESS SERVER_PID   (needs Python grpcio)"""

import sys, grpc, random
sys.path.insert(0, __import__('os').path.dirname(__file__))
from grpcio_streams import string_field
address, pid = sys.argv[1], int(sys.argv[2])
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"): return int(line.split()[1]) // 1024
random.seed(7)
words = ["xã", "huyện", "thôn", "hộ", "dân", "tăng", "giảm", "năm", "cán", "bộ", "công", "chức", "đường", "trường", "học"]
def sentence(n):
    parts = []
    size = 0
    while size < n:
        w = f"{random.choice(words)} {random.randint(1,9999)} "
        parts.append(w); size += len(w.encode())
    return "".join(parts).strip() + "."
text = "Tiêu đề\n" + " ".join(sentence(1_000_000) for _ in range(4))
channel = grpc.insecure_channel(address, options=[('grpc.max_send_message_length', 64<<20), ('grpc.max_receive_message_length', 64<<20)])
ingest = channel.unary_unary('/claimcheck.v1.FactCheck/IngestDocument', request_serializer=lambda m: m, response_deserializer=lambda m: m)
verify = channel.unary_unary('/claimcheck.v1.FactCheck/VerifyClaim', request_serializer=lambda m: m, response_deserializer=lambda m: m)
ingest(string_field(1, "big") + string_field(2, text), timeout=600)
verify(string_field(1, "xã 5 huyện 7 có thôn"), timeout=600)
before = rss()
sizes = 0
for i in range(300):
    claim = f"xã {i} huyện {i*7 % 9999} có {random.randint(1,99)} thôn và {random.randint(1,999)} hộ dân"
    r = verify(string_field(1, claim), timeout=600)
    sizes += len(r)
after = rss()
print(f"RSS before the 300 claims {before} MiB, after {after} MiB (+{after-before}); answers {sizes/1e6:.1f} MB in all")
