"""What a spam test reports when it fires."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Hit:
    name: str  # UPPER_SNAKE, as shown in X-Spam-Status
    score: float  # points added to the message's score (negative for signs of ham)
    description: str  # one English line for operators
