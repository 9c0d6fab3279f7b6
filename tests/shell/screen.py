"""screen.py - a small terminal emulator: enough of a VT100 to show what a person at the
serial console sees. It keeps every line ever written (no scrolling off), a cursor, and
understands what Quire's shell and kernel send: printable text, CR, LF, BS, and the CSI
sequences K (erase to end of line), C and D (cursor right, left); other sequences are
ignored. tests/shell/shell_test.py reads the screen through it.
"""


class Screen:
    def __init__(self):
        self.rows = [[]]
        self.r = 0
        self.c = 0
        self.esc = ""  # an escape sequence being read

    def _put(self, ch):
        row = self.rows[self.r]
        while len(row) < self.c:
            row.append(" ")
        if self.c < len(row):
            row[self.c] = ch
        else:
            row.append(ch)
        self.c += 1

    def _csi(self, seq):
        final, arg = seq[-1], seq[2:-1]
        n = int(arg) if arg.isdigit() else 1
        if final == "K":
            del self.rows[self.r][self.c:]
        elif final == "D":
            self.c = max(0, self.c - n)
        elif final == "C":
            self.c += n

    def feed(self, text):
        for ch in text:
            if self.esc:
                self.esc += ch
                if len(self.esc) == 2 and ch != "[":
                    self.esc = ""  # ESC x: not a CSI sequence, dropped
                elif len(self.esc) > 2 and ("@" <= ch <= "~"):
                    self._csi(self.esc)
                    self.esc = ""
            elif ch == "\x1b":
                self.esc = ch
            elif ch == "\r":
                self.c = 0
            elif ch == "\n":
                self.r += 1
                if self.r == len(self.rows):
                    self.rows.append([])
            elif ch == "\b":
                self.c = max(0, self.c - 1)
            elif ch >= " " and ch != "\x7f":
                self._put(ch)

    def lines(self):
        return ["".join(r).rstrip() for r in self.rows]

    def cursor_line(self):
        return "".join(self.rows[self.r]).rstrip()


if __name__ == "__main__":  # a self-check of the emulator itself
    s = Screen()
    s.feed("sh> hellp\x1b[K\rsh> hell\x1b[K\rsh> hello world\x1b[K\x1b[6D\r\nnext\r\n")
    assert s.lines()[0] == "sh> hello world", s.lines()
    s.feed("ab\bc\r\n")
    assert s.lines()[1] == "next" and s.lines()[2] == "ac", s.lines()
    print("screen.py: ok")
