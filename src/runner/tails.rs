//! Bounded tails of what the program wrote to stdout and stderr, rebuilt from its traced writes.

use std::collections::VecDeque;

/// Lines kept per stream, and characters kept per line.
const LINES: usize = 50;
const LINE_MAX: usize = 512;

#[derive(Debug, Default)]
pub struct Tail {
    lines: VecDeque<String>,
    partial: Vec<u8>,
}

impl Tail {
    pub fn push(&mut self, bytes: &[u8]) {
        for (i, piece) in bytes.split(|&b| b == b'\n').enumerate() {
            if i > 0 {
                let line = std::mem::take(&mut self.partial);
                self.keep(line);
            }
            let room = LINE_MAX.saturating_sub(self.partial.len());
            self.partial
                .extend_from_slice(&piece[..piece.len().min(room)]);
        }
    }

    fn keep(&mut self, line: Vec<u8>) {
        if self.lines.len() == LINES {
            self.lines.pop_front();
        }
        self.lines
            .push_back(String::from_utf8_lossy(&line).into_owned());
    }

    /// The last lines, an unfinished last line included.
    pub fn lines(&self) -> Vec<String> {
        let mut out: Vec<String> = self.lines.iter().cloned().collect();
        if !self.partial.is_empty() {
            if out.len() == LINES {
                out.remove(0);
            }
            out.push(String::from_utf8_lossy(&self.partial).into_owned());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_last_lines_bounded() {
        let mut t = Tail::default();
        for i in 0..100 {
            t.push(format!("line {i}\n").as_bytes());
        }
        t.push(b"part");
        t.push(b"ial");
        let lines = t.lines();
        assert_eq!(lines.len(), LINES);
        assert_eq!(lines.last().unwrap(), "partial");
        assert_eq!(lines[LINES - 2], "line 99");
        t.push(&vec![b'x'; 5000]);
        assert!(t.lines().last().unwrap().len() <= LINE_MAX);
    }
}
