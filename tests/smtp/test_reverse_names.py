"""Verified reverse names are kept per client address for a while (one DNS round per client,
not per connection), bounded in time and in size."""

from mailcore.smtp.handler import ReverseNames


def test_a_name_is_kept_for_its_time_then_looked_up_again(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr("mailcore.smtp.handler.time.monotonic", lambda: now[0])
    names = ReverseNames(ttl=300)
    assert names.get("192.0.2.1") == (False, None)
    names.put("192.0.2.1", "mail.example.org")
    names.put("192.0.2.2", None)  # no verified name: kept as such
    assert names.get("192.0.2.1") == (True, "mail.example.org")
    assert names.get("192.0.2.2") == (True, None)
    now[0] += 301
    assert names.get("192.0.2.1") == (False, None)


def test_the_cache_starts_over_when_full():
    names = ReverseNames(ttl=300, size=2)
    names.put("192.0.2.1", "a.example")
    names.put("192.0.2.2", "b.example")
    names.put("192.0.2.3", "c.example")
    assert names.get("192.0.2.1") == (False, None)
    assert names.get("192.0.2.3") == (True, "c.example")
