"""`simulator bench`: measured speed and cost, and the loopback fake OpenAI server it runs against.

- `fake_openai`: an OpenAI-compatible server on 127.0.0.1 (tests use it too).
- `measure`: the measurements, the targets of issue 13 and the report.

Nothing here reaches the network, and nothing runs at import time.
"""
