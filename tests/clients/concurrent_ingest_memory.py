"""Memory under concurrent large ingests: sends COUNT IngestDocument calls
of a 7.9 MB document at once, from COUNT threads. Read the server's peak
RSS (VmHWM in /proc/PID/status) afterwards.

Usage: concurrent_ingest_memory.py ADDRESS COUNT   (needs Python grpcio)"""

import sys, threading, grpc, random
sys.path.insert(0, __import__('os').path.dirname(__file__))
from grpcio_streams import string_field
address, n = sys.argv[1], int(sys.argv[2])
random.seed(1)
sentences = []
size = 0
while size < 7_900_000:
    s = "Xã %d của huyện %d có %d thôn và %d hộ dân, tăng %d%% so với năm %d.\n" % (random.randint(1,999), random.randint(1,99), random.randint(1,99), random.randint(100,9999), random.randint(1,50), random.randint(2000,2024))
    sentences.append(s); size += len(s.encode())
text = "".join(sentences)
channel = grpc.insecure_channel(address, options=[('grpc.max_send_message_length', 64<<20)])
call = channel.unary_unary('/claimcheck.v1.FactCheck/IngestDocument', request_serializer=lambda m: m, response_deserializer=lambda m: m)
def one(i):
    call(string_field(1, f"big-{i}") + string_field(2, text), timeout=600)
threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
[t.start() for t in threads]; [t.join() for t in threads]
print("done", len(text.encode()))
