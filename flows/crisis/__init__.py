"""Crisis detection: levels, families and modifiers as data; scam and harassment signals; hotlines.

`assess(text)` reads one message (flows/crisis/detector.py); `detect_signals(text)` adds the scam and
harassment signals (flows/crisis/signals.py); `hotlines()` loads the crisis lines (flows/crisis/hotlines.py).
"""
