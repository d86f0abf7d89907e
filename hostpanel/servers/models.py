from django.db import models


class DirectoryGeneration(models.Model):
    """One row whose ``value`` changes with every write to a table the mail servers'
    directory look-ups read (database triggers, :mod:`mailcore.directory.cache`).

    The servers cache look-ups per process and drop the cache when the value has
    changed, so a change made anywhere (the panel, the API, another process, a
    bulk update or plain SQL) applies to the very next message.
    """

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    value = models.BigIntegerField()

    def __str__(self):
        return f"directory generation {self.value}"
