"""Reminders on customers, each person's agenda, and due-reminder notifications."""
