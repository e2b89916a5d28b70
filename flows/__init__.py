"""The transport-free core of the debt-negotiation coach: models, dialogues, analysis."""
