"""The clamd client against a real clamd, a stopped one and a silent one."""

import asyncio
import socket
import threading

import pytest

from mailcore.filters import antivirus
from tests.clamd import VIRUS_NAME, ClamdProcess
from tests.filters import messages


def scan(message: bytes, address: str, timeout: float = 10.0) -> antivirus.Verdict:
    return asyncio.run(antivirus.scan(message, address, timeout))


@pytest.mark.parametrize("build", [messages.eicar_plain, messages.eicar_attached,
                                   messages.eicar_zipped])
def test_it_finds_eicar_in_the_body_an_attachment_and_a_zip(clamd, build):
    verdict = scan(build(), clamd.setting)
    assert verdict.status == antivirus.INFECTED
    assert verdict.virus == VIRUS_NAME


def test_it_finds_a_clean_message_clean_and_names_the_scanner(clamd):
    verdict = scan(messages.clean(), clamd.setting)
    assert verdict.status == antivirus.CLEAN
    assert verdict.scanner.startswith("ClamAV ")
    assert antivirus.scanned_header(verdict).startswith(b"X-Virus-Scanned: clamd ClamAV ")


def test_it_streams_a_message_larger_than_one_chunk(clamd):
    body = b"x" * (antivirus.CHUNK * 3 + 17) + b"\r\n"
    big = messages.eicar_plain().replace(b"\r\n\r\n", b"\r\n\r\n" + body, 1)
    assert scan(big, clamd.setting).status == antivirus.INFECTED


def test_a_stopped_clamd_is_unavailable(tmp_path):
    stopped = ClamdProcess(tmp_path).start()
    stopped.stop()
    verdict = scan(messages.clean(), stopped.setting)
    assert verdict.status == antivirus.UNAVAILABLE
    assert verdict.reason


def test_a_clamd_that_never_answers_is_unavailable_after_the_timeout():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    accepted = []
    threading.Thread(target=lambda: accepted.append(listener.accept()), daemon=True).start()
    try:
        port = listener.getsockname()[1]
        verdict = scan(messages.clean(), f"127.0.0.1:{port}", timeout=0.5)
    finally:
        for connection, _ in accepted:
            connection.close()
        listener.close()
    assert verdict.status == antivirus.UNAVAILABLE
    assert "0.5 s" in verdict.reason


def test_a_unix_socket_path_is_used_as_such(tmp_path):
    verdict = scan(messages.clean(), str(tmp_path / "missing.sock"))
    assert verdict.status == antivirus.UNAVAILABLE


@pytest.mark.parametrize("address", ["localhost", "host:port", "host:0", ":3310"])
def test_a_bad_address_is_unavailable_not_an_error(address):
    assert scan(messages.clean(), address).status == antivirus.UNAVAILABLE


def test_without_a_scanner_the_header_says_it_was_not_scanned():
    assert antivirus.scanned_header(None) == b"X-Virus-Scanned: no (no scanner configured)\r\n"


def test_scans_in_a_row_share_one_clamd_session(clamd):
    async def three_scans():
        verdicts = [await antivirus.scan(build(), clamd.setting, 10) for build in
                    (messages.clean, messages.eicar_plain, messages.clean)]
        [session] = antivirus._idle[asyncio.get_running_loop()][clamd.address]
        return verdicts, session.commands

    verdicts, commands = asyncio.run(three_scans())
    assert [verdict.status for verdict in verdicts] == [
        antivirus.CLEAN, antivirus.INFECTED, antivirus.CLEAN]
    assert commands == 3


def test_a_session_clamd_closed_meanwhile_is_replaced_without_a_failed_scan(tmp_path):
    scanner = ClamdProcess(tmp_path).start()

    async def scan_restart_scan():
        first = await antivirus.scan(messages.clean(), scanner.setting, 10)
        await asyncio.to_thread(lambda: (scanner.stop(), scanner.start()))
        second = await antivirus.scan(messages.eicar_plain(), scanner.setting, 10)
        [session] = antivirus._idle[asyncio.get_running_loop()][scanner.address]
        return first, second, session.commands

    try:
        first, second, commands = asyncio.run(scan_restart_scan())
    finally:
        scanner.stop()
    assert first.status == antivirus.CLEAN
    assert second.status == antivirus.INFECTED and second.virus == VIRUS_NAME
    assert commands == 1  # a new session after the restart
