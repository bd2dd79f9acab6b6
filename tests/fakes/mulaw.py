"""mulaw: G.711 mu-law coding, tones and loudness for the speech fakes and the Media Streams driver.

Pure Python (the stdlib audioop is deprecated and gone in 3.13). Telephone audio is mu-law 8 kHz,
one byte a sample; 0xFF is digital silence.
"""
import math
import struct

SILENCE = 0xFF
_BIAS = 0x84
_CLIP = 32635


def _decode(byte):
    u = ~byte & 0xFF
    t = ((u & 0x0F) << 3) + _BIAS
    t <<= (u & 0x70) >> 4
    return (_BIAS - t) if u & 0x80 else (t - _BIAS)


DECODE = [_decode(b) for b in range(256)]


def encode_sample(sample):
    """One 16-bit linear sample as its mu-law byte."""
    sign = 0x80 if sample < 0 else 0
    if sample < 0:
        sample = -sample
    sample = min(sample, _CLIP) + _BIAS
    exponent = 7
    mask = 0x4000
    while exponent > 0 and not sample & mask:
        exponent -= 1
        mask >>= 1
    mantissa = (sample >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def encode(samples):
    """16-bit linear samples (ints) as mu-law bytes."""
    return bytes(encode_sample(s) for s in samples)


def decode(data):
    """mu-law bytes as a list of 16-bit linear samples."""
    return [DECODE[b] for b in data]


def rms(data):
    """Root-mean-square level of mu-law bytes on the 16-bit scale (0 for no bytes)."""
    if not data:
        return 0.0
    return math.sqrt(sum(DECODE[b] * DECODE[b] for b in data) / len(data))


def rms_pcm16(data):
    """Root-mean-square level of 16-bit little-endian PCM bytes."""
    n = len(data) // 2
    if not n:
        return 0.0
    samples = struct.unpack("<%dh" % n, data[: n * 2])
    return math.sqrt(sum(s * s for s in samples) / n)


def _period(rate, freq, amplitude):
    n = rate // math.gcd(rate, freq)
    return [int(amplitude * math.sin(2 * math.pi * freq * i / rate)) for i in range(n)]


def tone(ms, freq=400, amplitude=8000):
    """ms milliseconds of a sine tone as mu-law 8 kHz bytes: loud enough to count as speech."""
    period = encode(_period(8000, freq, amplitude))
    n = 8 * ms
    return (period * (n // len(period) + 1))[:n]


def silence(ms):
    """ms milliseconds of mu-law digital silence."""
    return bytes([SILENCE]) * (8 * ms)


def tone_pcm16(ms, rate=24000, freq=400, amplitude=8000):
    """ms milliseconds of a sine tone as 16-bit little-endian mono PCM at rate Hz."""
    period = struct.pack("<%dh" % len(p), *p) if (p := _period(rate, freq, amplitude)) else b""
    n = rate * ms // 1000 * 2
    return (period * (n // len(period) + 1))[:n]
