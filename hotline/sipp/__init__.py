"""SIPp test kit: scripted callers and agent phones against the center's Asterisk.

- runner: run_call / start_call / run_call_async (callers from the carrier address) and AgentPhone
- process: SippProcess (a running instance; wait() / stop()) and SippResult (counts, events, report)
- library: the Jinja2 scenario library in scenarios/ (list_scenarios, render)
- dtmf: RFC 4733 pcaps for a whole digit string, optionally inside the caller's audio
- plan: caller options -> scenario context; ports: per-instance SIP and media ports
"""
