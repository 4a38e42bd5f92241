"""The inbound hotline call: answer, register, welcome, hand to the ACD."""
