"""Emergency response: alerts (SOS, rules, SMS, manual), lifecycle, escalation, dispatch, polls, CAP."""
