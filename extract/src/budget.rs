//! Parsing one HTML page within its budgets: a cap on the depth of the
//! tree (deeper tags are dropped, their text kept, as browsers flatten
//! what is nested beyond their limit), a cap on the elements built, and a
//! deadline, so that no page costs more than a bounded amount of CPU and
//! memory whatever its markup.
//!
//! Why: html5ever's tree builder walks the stack of open elements on
//! every tag (scope checks), so a page of nested `<div>`s costs the square
//! of its depth (100,000 levels took 30 s); its tokenizer compares every
//! attribute of a tag with the ones before it, so one tag with a hundred
//! thousand attributes costs the square of that. The depth cap bounds the
//! first, the deadline (checked every 16 KiB of input and on every tag)
//! the second and anything else unforeseen, the element cap the tree's
//! size and so the work of every selector run over it afterwards.
//!
//! It owns the html5ever pipeline (tokenizer -> depth cap -> tree builder
//! -> counting sink -> `scraper::Html`) and what a cut page reports
//! ([`Cut`], whose [`Cut::outcome`] the crawler's fetch log records). It
//! must not read fields from the page (see `html`) or look at a clock
//! other than for the deadline it is given.

use std::borrow::Cow;
use std::cell::Cell;
use std::time::{Duration, Instant};

use html5ever::interface::{ElementFlags, NodeOrText, QuirksMode, Tracer, TreeSink};
use html5ever::tendril::StrTendril;
use html5ever::tokenizer::{
    BufferQueue, TagKind, Token, TokenSink, TokenSinkResult, Tokenizer, TokenizerOpts,
};
use html5ever::tree_builder::{TreeBuilder, TreeBuilderOpts, create_element};
use html5ever::{Attribute, QualName, TokenizerResult, local_name, ns};
use scraper::{Html, HtmlTreeSink};
use serde::Serialize;

/// Chromium's limit on the depth of the tree its parser builds.
pub const DEFAULT_MAX_DEPTH: usize = 512;
/// Elements (and comments) built per page; a large real listing page has
/// a few tens of thousands.
pub const DEFAULT_MAX_ELEMENTS: usize = 200_000;
/// Parsing time per page.
pub const DEFAULT_MAX_TIME: Duration = Duration::from_secs(3);

/// How much one page may cost.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PageLimits {
    /// Depth of the tree of open elements; start tags beyond it (and their
    /// end tags) are dropped, their text kept in the element at the limit.
    pub max_depth: usize,
    /// Elements and comments built; the rest of the page is not parsed.
    pub max_elements: usize,
    /// Parsing time; the rest of the page is not parsed.
    #[serde(serialize_with = "millis")]
    pub max_time: Duration,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

impl Default for PageLimits {
    fn default() -> Self {
        PageLimits {
            max_depth: DEFAULT_MAX_DEPTH,
            max_elements: DEFAULT_MAX_ELEMENTS,
            max_time: DEFAULT_MAX_TIME,
        }
    }
}

/// Why the rest of a page was not parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Stopped {
    /// `max_elements` were built.
    Elements,
    /// `max_time` passed.
    Time,
}

/// What the budgets cut from one page (nothing, for almost every page).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Cut {
    /// Start tags dropped beyond `max_depth` (their text was kept).
    pub dropped_tags: usize,
    /// Whether, and why, the rest of the page was not parsed.
    pub stopped: Option<Stopped>,
    /// Bytes of the page's text that were parsed.
    pub parsed_bytes: usize,
}

impl Cut {
    /// The fetch-log outcome of a page that hit a budget: `over_budget`
    /// when its end was not parsed, `too_deep` when it was parsed whole
    /// but flattened; `None` for a page within every budget.
    pub fn outcome(&self) -> Option<&'static str> {
        if self.stopped.is_some() {
            Some("over_budget")
        } else if self.dropped_tags > 0 {
            Some("too_deep")
        } else {
            None
        }
    }
}

/// A page parsed within its budgets.
pub struct Bounded {
    /// The tree (what was parsed of it).
    pub doc: Html,
    /// What the budgets cut.
    pub cut: Cut,
}

/// Parses a whole document within `limits`.
pub fn parse_document(text: &str, limits: &PageLimits) -> Bounded {
    let sink = Counting::new(Html::new_document());
    let tb = TreeBuilder::new(sink, TreeBuilderOpts::default());
    run(tb, TokenizerOpts::default(), text, limits)
}

/// Parses an HTML fragment (as the content of a `<body>`) within `limits`.
pub fn parse_fragment(text: &str, limits: &PageLimits) -> Bounded {
    let sink = Counting::new(Html::new_fragment());
    let context = create_element(
        &sink,
        QualName::new(None, ns!(html), local_name!("body")),
        Vec::new(),
    );
    let tb = TreeBuilder::new_for_fragment(sink, context, None, TreeBuilderOpts::default());
    let opts = TokenizerOpts {
        initial_state: Some(tb.tokenizer_state_for_context_elem(false)),
        ..TokenizerOpts::default()
    };
    run(tb, opts, text, limits)
}

/// The tree's node handle.
type Handle = <HtmlTreeSink as TreeSink>::Handle;

/// Input is fed in pieces this big, the deadline checked between them.
const CHUNK: usize = 16 * 1024;

fn run(
    tb: TreeBuilder<Handle, Counting>,
    opts: TokenizerOpts,
    text: &str,
    limits: &PageLimits,
) -> Bounded {
    let capped = Capped {
        inner: tb,
        max_depth: limits.max_depth.max(1),
        max_elements: limits.max_elements,
        deadline: Instant::now() + limits.max_time,
        excess: Cell::new(0),
        at_cap: Cell::new(false),
        dropped: Cell::new(0),
        stopped: Cell::new(None),
    };
    let tok = Tokenizer::new(capped, opts);
    let input = BufferQueue::default();
    let mut at = 0;
    while at < text.len() && tok.sink.stopped.get().is_none() {
        let mut end = (at + CHUNK).min(text.len());
        while !text.is_char_boundary(end) {
            end += 1;
        }
        input.push_back(StrTendril::from_slice(&text[at..end]));
        while let TokenizerResult::Script(_) = tok.feed(&input) {}
        at = end;
        if Instant::now() >= tok.sink.deadline {
            tok.sink.stop(Stopped::Time);
        }
    }
    tok.end();
    let cut = Cut {
        dropped_tags: tok.sink.dropped.get(),
        stopped: tok.sink.stopped.get(),
        parsed_bytes: at,
    };
    let doc = tok.sink.inner.sink.inner.finish();
    Bounded { doc, cut }
}

/// Counts handles the tree builder holds.
struct Count(Cell<usize>);

impl Tracer for Count {
    type Handle = Handle;
    fn trace_handle(&self, _: &Handle) {
        self.0.set(self.0.get() + 1);
    }
}

/// Between the tokenizer and the tree builder: drops start tags that would
/// open an element deeper than `max_depth` (and as many end tags after
/// them), and everything once a budget is spent.
struct Capped {
    inner: TreeBuilder<Handle, Counting>,
    max_depth: usize,
    max_elements: usize,
    deadline: Instant,
    /// Start tags dropped and not yet matched by a dropped end tag.
    excess: Cell<usize>,
    /// Known to be at `max_depth` or deeper: nothing that could close an
    /// element was passed on since the depth was last read.
    at_cap: Cell<bool>,
    dropped: Cell<usize>,
    stopped: Cell<Option<Stopped>>,
}

impl Capped {
    fn stop(&self, why: Stopped) {
        if self.stopped.get().is_none() {
            self.stopped.set(Some(why));
        }
    }

    /// The depth the tree builder is at: its open elements and active
    /// formatting elements (which it may reopen on any token), read from
    /// the builder itself, so no markup can make this under-count. It costs
    /// the length of the stack, which the cap keeps short.
    fn depth(&self) -> usize {
        let n = Count(Cell::new(0));
        self.inner.trace_handles(&n);
        n.0.get()
    }

    /// Whether the tree is at the depth cap. Between tags the depth can
    /// only grow (text may reopen formatting elements), so a run of
    /// dropped tags reads it once.
    fn full(&self) -> bool {
        if !self.at_cap.get() && self.depth() >= self.max_depth {
            self.at_cap.set(true);
        }
        self.at_cap.get()
    }
}

impl TokenSink for Capped {
    type Handle = Handle;

    fn process_token(&self, token: Token, line: u64) -> TokenSinkResult<Self::Handle> {
        if self.stopped.get().is_some() && !matches!(token, Token::EOFToken) {
            return TokenSinkResult::Continue;
        }
        if let Token::TagToken(tag) = &token {
            if Instant::now() >= self.deadline {
                self.stop(Stopped::Time);
                return TokenSinkResult::Continue;
            }
            if self.inner.sink.elements.get() >= self.max_elements {
                self.stop(Stopped::Elements);
                return TokenSinkResult::Continue;
            }
            match tag.kind {
                // Void elements never deepen the tree (images are kept).
                TagKind::StartTag if !is_void(&tag.name) && self.full() => {
                    self.dropped.set(self.dropped.get() + 1);
                    // A dropped raw-text element's end tag is passed on
                    // (see below), so it is not counted.
                    if !tag.self_closing && !is_raw_text(&tag.name) {
                        self.excess.set(self.excess.get() + 1);
                    }
                    return TokenSinkResult::Continue;
                }
                // why: the end tag of a script, style, title… is never
                // dropped: the builder, in its text mode, accepts nothing
                // else (dropping it panics html5ever; found by fuzzing).
                TagKind::EndTag if self.excess.get() > 0 && !is_raw_text(&tag.name) => {
                    // The end tag of a dropped element (for balanced markup,
                    // exactly; for unbalanced markup, one of them).
                    self.excess.set(self.excess.get() - 1);
                    return TokenSinkResult::Continue;
                }
                // Any tag passed on may close elements.
                _ => self.at_cap.set(false),
            }
        }
        self.inner.process_token(token, line)
    }

    fn end(&self) {
        self.inner.end();
    }

    fn adjusted_current_node_present_but_not_in_html_namespace(&self) -> bool {
        self.inner
            .adjusted_current_node_present_but_not_in_html_namespace()
    }
}

/// Elements that never have content (no end tag, never on the stack).
fn is_void(name: &html5ever::LocalName) -> bool {
    matches!(
        &**name,
        "area"
            | "base"
            | "br"
            | "col"
            | "embed"
            | "hr"
            | "img"
            | "input"
            | "link"
            | "meta"
            | "param"
            | "source"
            | "track"
            | "wbr"
    )
}

/// Elements whose content the tree builder reads as text (its text mode),
/// up to their own end tag.
fn is_raw_text(name: &html5ever::LocalName) -> bool {
    matches!(
        &**name,
        "script"
            | "style"
            | "textarea"
            | "title"
            | "xmp"
            | "iframe"
            | "noembed"
            | "noframes"
            | "noscript"
            | "plaintext"
    )
}

/// scraper's tree sink, counting the elements and comments it builds
/// (the tree builder also builds some without a start tag, reopening
/// formatting elements).
struct Counting {
    inner: HtmlTreeSink,
    elements: Cell<usize>,
}

impl Counting {
    fn new(doc: Html) -> Counting {
        Counting {
            inner: HtmlTreeSink::new(doc),
            elements: Cell::new(0),
        }
    }

    fn count(&self) {
        self.elements.set(self.elements.get() + 1);
    }
}

impl TreeSink for Counting {
    type Handle = Handle;
    type Output = Html;
    type ElemName<'a>
        = <HtmlTreeSink as TreeSink>::ElemName<'a>
    where
        Self: 'a;

    fn finish(self) -> Html {
        self.inner.finish()
    }
    fn parse_error(&self, msg: Cow<'static, str>) {
        self.inner.parse_error(msg);
    }
    fn get_document(&self) -> Self::Handle {
        self.inner.get_document()
    }
    fn elem_name<'a>(&'a self, target: &'a Self::Handle) -> Self::ElemName<'a> {
        self.inner.elem_name(target)
    }
    fn create_element(
        &self,
        name: QualName,
        attrs: Vec<Attribute>,
        flags: ElementFlags,
    ) -> Self::Handle {
        self.count();
        self.inner.create_element(name, attrs, flags)
    }
    fn create_comment(&self, text: StrTendril) -> Self::Handle {
        self.count();
        self.inner.create_comment(text)
    }
    fn create_pi(&self, target: StrTendril, data: StrTendril) -> Self::Handle {
        self.count();
        self.inner.create_pi(target, data)
    }
    fn append(&self, parent: &Self::Handle, child: NodeOrText<Self::Handle>) {
        self.inner.append(parent, child);
    }
    fn append_based_on_parent_node(
        &self,
        element: &Self::Handle,
        prev_element: &Self::Handle,
        child: NodeOrText<Self::Handle>,
    ) {
        self.inner
            .append_based_on_parent_node(element, prev_element, child);
    }
    fn append_doctype_to_document(
        &self,
        name: StrTendril,
        public_id: StrTendril,
        system_id: StrTendril,
    ) {
        self.inner
            .append_doctype_to_document(name, public_id, system_id);
    }
    fn mark_script_already_started(&self, node: &Self::Handle) {
        self.inner.mark_script_already_started(node);
    }
    fn pop(&self, node: &Self::Handle) {
        self.inner.pop(node);
    }
    fn get_template_contents(&self, target: &Self::Handle) -> Self::Handle {
        self.inner.get_template_contents(target)
    }
    fn same_node(&self, x: &Self::Handle, y: &Self::Handle) -> bool {
        self.inner.same_node(x, y)
    }
    fn set_quirks_mode(&self, mode: QuirksMode) {
        self.inner.set_quirks_mode(mode);
    }
    fn append_before_sibling(&self, sibling: &Self::Handle, new_node: NodeOrText<Self::Handle>) {
        self.inner.append_before_sibling(sibling, new_node);
    }
    fn add_attrs_if_missing(&self, target: &Self::Handle, attrs: Vec<Attribute>) {
        self.inner.add_attrs_if_missing(target, attrs);
    }
    fn associate_with_form(
        &self,
        target: &Self::Handle,
        form: &Self::Handle,
        nodes: (&Self::Handle, Option<&Self::Handle>),
    ) {
        self.inner.associate_with_form(target, form, nodes);
    }
    fn remove_from_parent(&self, target: &Self::Handle) {
        self.inner.remove_from_parent(target);
    }
    fn reparent_children(&self, node: &Self::Handle, new_parent: &Self::Handle) {
        self.inner.reparent_children(node, new_parent);
    }
    fn is_mathml_annotation_xml_integration_point(&self, handle: &Self::Handle) -> bool {
        self.inner
            .is_mathml_annotation_xml_integration_point(handle)
    }
    fn set_current_line(&self, line: u64) {
        self.inner.set_current_line(line);
    }
    fn allow_declarative_shadow_roots(&self, intended_parent: &Self::Handle) -> bool {
        self.inner.allow_declarative_shadow_roots(intended_parent)
    }
    fn attach_declarative_shadow(
        &self,
        location: &Self::Handle,
        template: &Self::Handle,
        attrs: &[Attribute],
    ) -> bool {
        self.inner
            .attach_declarative_shadow(location, template, attrs)
    }
}
