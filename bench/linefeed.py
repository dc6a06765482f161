#!/usr/bin/env python3
"""Loopback line server for bench/soak.sh and burst measurements: listens on a port and sends every client lines of
words at a fixed rate (words per second, 0 = as fast as the socket takes them). Words are w0..w999, 10 per line."""
import argparse
import socket
import threading
import time


def lines_buffer(words_per_line, lines):
    out = []
    n = 0
    for _ in range(lines):
        out.append(" ".join(f"w{(n + i) % 1000}" for i in range(words_per_line)))
        n += words_per_line
    return ("\n".join(out) + "\n").encode()


def serve(conn, rate, words_per_line):
    chunk_lines = 1000
    buf = lines_buffer(words_per_line, chunk_lines)
    words_per_chunk = chunk_lines * words_per_line
    start = time.monotonic()
    sent_words = 0
    try:
        while True:
            if rate > 0:
                due = (time.monotonic() - start) * rate
                if sent_words >= due:
                    time.sleep(min(0.01, (sent_words - due) / rate + 0.0005))
                    continue
            conn.sendall(buf)
            sent_words += words_per_chunk
    except OSError:
        pass
    finally:
        conn.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, default=9999)
    p.add_argument("--rate", type=float, default=0, help="words per second (0: unlimited)")
    p.add_argument("--words-per-line", type=int, default=10)
    a = p.parse_args()
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.bind(("127.0.0.1", a.port))
    server.listen(4)
    print(f"linefeed: listening on 127.0.0.1:{a.port}, {a.rate:.0f} words/s", flush=True)
    while True:
        conn, _ = server.accept()
        threading.Thread(target=serve, args=(conn, a.rate, a.words_per_line), daemon=True).start()


if __name__ == "__main__":
    main()
