//! Seeded mutations of valid inputs for the parsers' no-panic tests (`robustness_tests.rs` in
//! each stage). A mutated copy of a real file gets much further into a parser than random bytes:
//! most edits leave the rest of the file well-formed.

/// A few edits (insert a token, cut a range, drop, copy or swap lines, truncate) of a text or a
/// byte string, from a fixed seed, so that a failure names the seed and iteration to replay.
pub struct Mutator {
    rng: fastrand::Rng,
}

/// Pieces of the expectation syntax and of its values' edges.
const TOKENS: &[&str] = &[
    "[[scenario]]\n",
    "[[scenario.step]]\n",
    "[module]\n",
    "[scenario.step.deviation.wasmtime]\n",
    "expect = ",
    "do = ",
    "\"",
    "'",
    "=",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\n",
    "#",
    "\\",
    "\\u",
    "::",
    "(",
    ")",
    "->",
    "i32:",
    "i64:-",
    "f32:nan",
    "f64:-0",
    "0x",
    "-1",
    "4294967296",
    "99999999999999999999",
    "é",
    "\u{0}",
    "version = 2\n",
    "trapped ",
    "returned ",
    "exited ",
    "rejected ",
    "call ",
    " -> string",
    "string",
    "\"\"\"",
    "*",
    ".",
    "_start",
    "_initialize",
];

impl Mutator {
    pub fn new(seed: u64) -> Mutator {
        Mutator { rng: fastrand::Rng::with_seed(seed) }
    }

    pub fn text(&mut self, source: &str) -> String {
        let mut text = source.to_string();
        for _ in 0..self.rng.usize(1..=4) {
            let at = self.boundary(&text);
            match self.rng.u8(0..6) {
                0 => text.insert_str(at, self.rng.choice(TOKENS).unwrap()),
                1 => {
                    let end = self.boundary_after(&text, at, 24);
                    text.replace_range(at..end, "");
                }
                2..=4 => {
                    let mut lines: Vec<&str> = text.split_inclusive('\n').collect();
                    if lines.is_empty() {
                        continue;
                    }
                    let (a, b) = (self.rng.usize(..lines.len()), self.rng.usize(..lines.len()));
                    match self.rng.u8(0..3) {
                        0 => drop(lines.remove(a)),
                        1 => lines.insert(a, lines[b]),
                        _ => lines.swap(a, b),
                    }
                    text = lines.concat();
                }
                _ => text.truncate(at),
            }
        }
        text
    }

    pub fn bytes(&mut self, source: &[u8]) -> Vec<u8> {
        let mut bytes = source.to_vec();
        for _ in 0..self.rng.usize(1..=4) {
            let at = self.rng.usize(..=bytes.len());
            match self.rng.u8(0..5) {
                0 if at < bytes.len() => bytes[at] = self.rng.u8(..),
                // Edges of LEB128 counts and lengths: a continuation bit that never ends, a zero.
                1 if at < bytes.len() => bytes[at] = *self.rng.choice(&[0x00, 0x7f, 0x80, 0xff]).unwrap(),
                2 => {
                    let end = (at + self.rng.usize(1..=16)).min(bytes.len());
                    bytes.drain(at..end);
                }
                3 => {
                    let inserted: Vec<u8> = (0..self.rng.usize(1..=8)).map(|_| self.rng.u8(..)).collect();
                    bytes.splice(at..at, inserted);
                }
                _ => bytes.truncate(at),
            }
        }
        bytes
    }

    fn boundary(&mut self, text: &str) -> usize {
        let mut at = self.rng.usize(..=text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    }

    fn boundary_after(&mut self, text: &str, from: usize, most: usize) -> usize {
        let mut end = (from + self.rng.usize(1..=most)).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        end
    }
}

/// Runs `check` on `input`, turning a panic into a message that says how to replay it.
pub fn no_panic<T>(what: &str, seed: u64, iteration: usize, input: &T, check: impl FnOnce(&T)) -> Result<(), String>
where
    T: std::fmt::Debug + ?Sized,
{
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(input))).map_err(|panic| {
        let message = execmodel_contract::panic_message(&*panic);
        let shown = format!("{input:?}");
        let shown = if shown.len() > 2000 {
            format!("{}… ({} characters)", &shown[..shown.floor_char_boundary(2000)], shown.len())
        } else {
            shown
        };
        format!("{what}, seed {seed}, iteration {iteration}: panicked: {message}\ninput: {shown}")
    })
}
