import cProfile, pstats, sys, time
sys.path.insert(0, __import__("os").path.dirname(__import__("os").path.dirname(__import__("os").path.abspath(__file__))))
from bench.bench_claims import corpus
from amanat.analyze.claims import extract_claims
from amanat.analyze.mentions import analyze_mentions
from amanat.kb import starter
from amanat.kb.index import KBIndex
kb = starter.load(); idx = KBIndex.build(kb)
texts = corpus(600)
ms = [analyze_mentions(t, None, idx) for t in texts[:50]]
for t, m in zip(texts[:50], ms): extract_claims(t, None, "en", m)
t0=time.perf_counter(); ms=[analyze_mentions(t, None, idx) for t in texts]; t1=time.perf_counter()
pr=cProfile.Profile(); pr.enable()
for t, m in zip(texts, ms): extract_claims(t, None, "en", m)
pr.disable(); t2=time.perf_counter()
print("mentions ms/article", (t1-t0)/len(texts)*1000, "claims ms/article (profiled)", (t2-t1)/len(texts)*1000)
t3=time.perf_counter()
for t, m in zip(texts, ms): extract_claims(t, None, "en", m)
print("claims unprofiled", (time.perf_counter()-t3)/len(texts)*1000)
pstats.Stats(pr).sort_stats("tottime").print_stats(25)
