"""Transports for the coach: console chat, command line, Telegram."""
