"""The debrief's two headline pictures, as SVG: trust and stress over the conversation, and care × challenge
(Radical Candor's picture). Drawn here as plain SVG because the browser draws a picture at once, where each Vega
chart took it 0.2 to 0.3 s on the page a manager waits for after pressing End; the printable page carries the
same pictures. Every text in them is our own words or a number (no scenario or model text)."""

from __future__ import annotations

QUADRANT_LABELS: list[tuple[int, int, str]] = [  # (evidence, empathy, name) where each name is written
    (75, 97, "Radical candor"),
    (25, 97, "Ruinous empathy"),
    (75, 3, "Obnoxious aggression"),
    (25, 3, "Manipulative insincerity"),
]
TRUST_COLOUR, STRESS_COLOUR, POINT_COLOUR, SESSION_COLOUR = "#2e7d32", "#c62828", "#90a4ae", "#1565c0"
_AXIS = 'fill="#555" font-size="11" font-family="sans-serif"'


def _svg(width: int, height: int, title: str, body: list[str]) -> str:
    """One SVG picture, drawn by the browser at once (a Vega chart took it 0.2-0.3 s)."""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
            f'role="img"><title>{title}</title>{"".join(body)}</svg>')


def trust_stress_chart(trust: list[int], stress: list[int]) -> str:
    """Trust (green) and stress (red) after each of the manager's messages (0: the start), as SVG."""
    width, height, left, right, top, bottom = 560, 240, 34, 12, 26, 34
    last = max(len(trust), len(stress), 2) - 1

    def x(n: int) -> float:
        return left + n * (width - left - right) / last

    def y(value: int) -> float:
        return top + (100 - max(0, min(100, value))) * (height - top - bottom) / 100

    body = [f'<rect width="{width}" height="{height}" fill="white"/>']
    for value in (0, 25, 50, 75, 100):
        body.append(f'<line x1="{left}" x2="{width - right}" y1="{y(value):.1f}" y2="{y(value):.1f}" stroke="#e0e0e0"/>')
        body.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" {_AXIS}>{value}</text>')
    step = max(1, -(-last // 10))  # at most about ten ticks
    for n in range(0, last + 1, step):
        body.append(f'<text x="{x(n):.1f}" y="{height - bottom + 16}" text-anchor="middle" {_AXIS}>{n}</text>')
    body.append(f'<text x="{(left + width - right) / 2:.1f}" y="{height - 4}" text-anchor="middle" {_AXIS}>your message</text>')
    for name, series, colour, at in (("trust", trust, TRUST_COLOUR, width - 120), ("stress", stress, STRESS_COLOUR, width - 60)):
        points = " ".join(f"{x(n):.1f},{y(v):.1f}" for n, v in enumerate(series))
        body.append(f'<polyline points="{points}" fill="none" stroke="{colour}" stroke-width="2"/>')
        body.extend(f'<circle cx="{x(n):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}"><title>{name} after message {n}: {v}</title></circle>'
                    for n, v in enumerate(series))
        body.append(f'<line x1="{at}" x2="{at + 14}" y1="12" y2="12" stroke="{colour}" stroke-width="2"/>'
                    f'<text x="{at + 18}" y="16" {_AXIS}>{name}</text>')
    return _svg(width, height, "Trust and stress after each of your messages", body)


def candor_chart(replies: list[tuple[int, int, int]], session: tuple[int, int]) -> str:
    """Radical Candor's picture, as SVG: challenge directly (evidence, x) against care personally (empathy, y).

    `replies` holds (number, empathy, evidence) per reply; `session` is (empathy, evidence): the diamond.
    """
    width, height, left, right, top, bottom = 420, 320, 40, 12, 12, 36
    side_x, side_y = width - left - right, height - top - bottom

    def x(value: int) -> float:
        return left + max(0, min(100, value)) * side_x / 100

    def y(value: int) -> float:
        return top + (100 - max(0, min(100, value))) * side_y / 100

    body = [f'<rect width="{width}" height="{height}" fill="white"/>',
            f'<rect x="{left}" y="{top}" width="{side_x}" height="{side_y}" fill="none" stroke="#ccc"/>',
            f'<line x1="{x(50):.1f}" x2="{x(50):.1f}" y1="{top}" y2="{top + side_y}" stroke="#bbb"/>',
            f'<line x1="{left}" x2="{left + side_x}" y1="{y(50):.1f}" y2="{y(50):.1f}" stroke="#bbb"/>']
    body.extend(f'<text x="{x(at_x):.1f}" y="{y(at_y) + (8 if at_y > 50 else 0):.1f}" text-anchor="middle" fill="#888" '
                f'font-size="11" font-family="sans-serif">{label}</text>' for at_x, at_y, label in QUADRANT_LABELS)
    for value in (0, 50, 100):
        body.append(f'<text x="{x(value):.1f}" y="{top + side_y + 14}" text-anchor="middle" {_AXIS}>{value}</text>')
        body.append(f'<text x="{left - 6}" y="{y(value) + 4:.1f}" text-anchor="end" {_AXIS}>{value}</text>')
    body.append(f'<text x="{left + side_x / 2:.1f}" y="{height - 4}" text-anchor="middle" {_AXIS}>Challenge directly (evidence)</text>')
    body.append(f'<text transform="translate(12 {top + side_y / 2:.1f}) rotate(-90)" text-anchor="middle" {_AXIS}>'
                'Care personally (empathy)</text>')
    body.extend(f'<circle cx="{x(v):.1f}" cy="{y(e):.1f}" r="5" fill="{POINT_COLOUR}" fill-opacity="0.8">'
                f'<title>reply {n}: empathy {e}, evidence {v}</title></circle>' for n, e, v in replies)
    cx, cy = x(session[1]), y(session[0])
    body.append(f'<polygon points="{cx:.1f},{cy - 9:.1f} {cx + 9:.1f},{cy:.1f} {cx:.1f},{cy + 9:.1f} {cx - 9:.1f},{cy:.1f}" '
                f'fill="{SESSION_COLOUR}"><title>whole conversation: empathy {session[0]}, evidence {session[1]}</title></polygon>')
    return _svg(width, height, "Each reply (grey) and the whole conversation (blue diamond): care against challenge", body)
