//! A scripted [`Prompter`] for unit tests: answers in the order the wizard asks, and a
//! record of every question and note.

use super::prompt::Prompter;
use crate::error::{Error, Result};
use std::collections::VecDeque;

/// One scripted answer, in the order the wizard asks.
#[derive(Debug)]
pub enum A {
    Text(&'static str),
    /// Accept what is offered (the pre-filled text, else the default).
    Enter,
    Pick(usize),
    Picks(Vec<usize>),
    Yes,
    No,
    /// What Ctrl-C turns into when dialoguer reports it as an error.
    Interrupt,
}

/// A question as the wizard asked it, to check prompts, pre-filled text and defaults.
#[derive(Debug, Clone, PartialEq)]
pub enum Q {
    Input {
        prompt: String,
        initial: Option<String>,
        default: Option<String>,
    },
    Select {
        prompt: String,
        items: Vec<String>,
        default: usize,
    },
    Multi {
        prompt: String,
        items: Vec<String>,
    },
    Confirm {
        prompt: String,
    },
}

#[derive(Default)]
pub struct Script {
    pub answers: VecDeque<A>,
    /// Every question, in order.
    pub asked: Vec<Q>,
    /// Everything said without asking.
    pub said: Vec<String>,
}

impl Script {
    pub fn new(answers: Vec<A>) -> Self {
        Script {
            answers: answers.into(),
            ..Script::default()
        }
    }
    fn next(&mut self, q: Q) -> Result<A> {
        self.asked.push(q.clone());
        match self.answers.pop_front() {
            Some(A::Interrupt) => Err(Error::internal("interrupted")),
            Some(a) => Ok(a),
            None => panic!("no scripted answer for {q:?}"),
        }
    }
    /// The text questions only.
    pub fn inputs(&self) -> Vec<&Q> {
        self.asked
            .iter()
            .filter(|q| matches!(q, Q::Input { .. }))
            .collect()
    }
}

impl Prompter for Script {
    fn input(
        &mut self,
        prompt: &str,
        initial: Option<&str>,
        default: Option<&str>,
    ) -> Result<String> {
        let q = Q::Input {
            prompt: prompt.into(),
            initial: initial.map(Into::into),
            default: default.map(Into::into),
        };
        match self.next(q)? {
            A::Text(t) => Ok(t.to_string()),
            A::Enter => Ok(initial.or(default).unwrap_or_default().to_string()),
            a => panic!("input `{prompt}` got {a:?}"),
        }
    }
    fn select(&mut self, prompt: &str, items: &[String], default: usize) -> Result<usize> {
        let q = Q::Select {
            prompt: prompt.into(),
            items: items.to_vec(),
            default,
        };
        match self.next(q)? {
            A::Pick(i) => Ok(i),
            A::Enter => Ok(default),
            a => panic!("select `{prompt}` got {a:?}"),
        }
    }
    fn multi_select(&mut self, prompt: &str, items: &[String]) -> Result<Vec<usize>> {
        let q = Q::Multi {
            prompt: prompt.into(),
            items: items.to_vec(),
        };
        match self.next(q)? {
            A::Picks(v) => Ok(v),
            A::Enter => Ok(Vec::new()),
            a => panic!("multi-select `{prompt}` got {a:?}"),
        }
    }
    fn confirm(&mut self, prompt: &str, default: bool) -> Result<bool> {
        match self.next(Q::Confirm {
            prompt: prompt.into(),
        })? {
            A::Yes => Ok(true),
            A::No => Ok(false),
            A::Enter => Ok(default),
            a => panic!("confirm `{prompt}` got {a:?}"),
        }
    }
    fn say(&mut self, text: &str) {
        self.said.push(text.to_string());
    }
}
