//! A pen over one PDF page: lines of text, wrapped paragraphs and table rows written down a
//! column, kept above the page's bottom margin (what does not fit is counted, never drawn
//! over the edge or onto a second page).

use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::num::NormalizedF32;
use krilla::paint::{Fill, FillRule};
use krilla::surface::Surface;
use krilla::text::TextDirection;

use super::fonts::{Face, Fonts};

/// How a piece of text is written.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub size: f32,
    pub bold: bool,
    pub color: (u8, u8, u8),
}

pub const INK: (u8, u8, u8) = (0x1f, 0x23, 0x28);
pub const MUTED: (u8, u8, u8) = (0x57, 0x60, 0x6a);
pub const ALERT: (u8, u8, u8) = (0xb4, 0x23, 0x18);
const RULE: (u8, u8, u8) = (0xd0, 0xd7, 0xde);
/// The space between a table's cells, in points.
const CELL_GAP: f32 = 6.0;

impl Style {
    pub const TITLE: Style = Style {
        size: 17.0,
        bold: true,
        color: INK,
    };
    pub const HEADING: Style = Style {
        size: 10.5,
        bold: true,
        color: INK,
    };
    pub const BODY: Style = Style {
        size: 9.0,
        bold: false,
        color: INK,
    };
    pub const SMALL: Style = Style {
        size: 7.5,
        bold: false,
        color: MUTED,
    };

    pub fn colored(self, color: (u8, u8, u8)) -> Style {
        Style { color, ..self }
    }

    pub fn strong(self) -> Style {
        Style { bold: true, ..self }
    }

    fn leading(self) -> f32 {
        self.size * 1.35
    }
}

/// A column of the page: its left edge and width, in points.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub left: f32,
    pub width: f32,
}

/// Where a table cell's text sits in its share of the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

/// One cell: its text, alignment, and the share of the column's width it takes.
pub struct Cell<'t> {
    pub text: &'t str,
    pub align: Align,
    pub share: f32,
}

/// Writes down the page from `y`; lines that would cross `bottom` are counted in `dropped`.
pub struct Pen<'s, 'p> {
    surface: &'s mut Surface<'p>,
    fonts: &'s Fonts,
    pub y: f32,
    pub bottom: f32,
    pub dropped: usize,
}

fn fill(color: (u8, u8, u8)) -> Fill {
    Fill {
        paint: rgb::Color::new(color.0, color.1, color.2).into(),
        opacity: NormalizedF32::ONE,
        rule: FillRule::NonZero,
    }
}

impl<'s, 'p> Pen<'s, 'p> {
    pub fn new(surface: &'s mut Surface<'p>, fonts: &'s Fonts, top: f32, bottom: f32) -> Self {
        Self {
            surface,
            fonts,
            y: top,
            bottom,
            dropped: 0,
        }
    }

    fn face(&self, style: Style) -> &'s Face {
        if style.bold {
            &self.fonts.bold
        } else {
            &self.fonts.regular
        }
    }

    /// The width `text` takes in `style`.
    pub fn width(&self, text: &str, style: Style) -> f32 {
        self.face(style).width(text, style.size)
    }

    /// Whether a line of `style` still fits above the bottom; counts it when not.
    fn room(&mut self, style: Style) -> bool {
        let fits = self.y + style.leading() <= self.bottom;
        if !fits {
            self.dropped += 1;
        }
        fits
    }

    fn draw(&mut self, x: f32, text: &str, style: Style) {
        let face = self.face(style);
        self.surface.set_fill(Some(fill(style.color)));
        // The baseline sits at about four fifths of the line's height.
        let baseline = self.y + style.size * 1.05;
        self.surface.draw_text(
            Point::from_xy(x, baseline),
            face.font.clone(),
            style.size,
            text,
            false,
            TextDirection::Auto,
        );
    }

    /// One line of text (cut to the column's width when longer).
    pub fn line(&mut self, column: Column, text: &str, style: Style) {
        if !self.room(style) {
            return;
        }
        let text = self.fit(text, column.width, style);
        self.draw(column.left, &text, style);
        self.y += style.leading();
    }

    /// `text` wrapped at spaces to the column's width.
    pub fn paragraph(&mut self, column: Column, text: &str, style: Style) {
        let mut current = String::new();
        for word in text.split(' ') {
            let candidate = if current.is_empty() {
                word.to_string()
            } else {
                format!("{current} {word}")
            };
            if !current.is_empty() && self.width(&candidate, style) > column.width {
                self.line(column, &current, style);
                current = word.to_string();
            } else {
                current = candidate;
            }
        }
        if !current.is_empty() {
            self.line(column, &current, style);
        }
    }

    /// A table row: each cell in its share of the column, cut to fit it.
    pub fn row(&mut self, column: Column, cells: &[Cell<'_>], style: Style) {
        if !self.room(style) {
            return;
        }
        let mut x = column.left;
        for (index, cell) in cells.iter().enumerate() {
            let width = column.width * cell.share;
            // Cells after the first keep a gap from the one before.
            let pad = if index == 0 { 0.0 } else { CELL_GAP };
            let text = self.fit(cell.text, width - pad, style);
            let at = match cell.align {
                Align::Left => x + pad,
                Align::Right => x + width - self.width(&text, style),
            };
            self.draw(at, &text, style);
            x += width;
        }
        self.y += style.leading();
    }

    /// `text`, cut with an ellipsis to `width` when it is wider.
    fn fit(&self, text: &str, width: f32, style: Style) -> String {
        if self.width(text, style) <= width {
            return text.to_string();
        }
        let mut cut: String = text.to_string();
        while !cut.is_empty() && self.width(&format!("{cut}…"), style) > width {
            cut.pop();
        }
        format!("{}…", cut.trim_end())
    }

    /// A thin line across the column.
    pub fn rule(&mut self, column: Column) {
        let mut path = PathBuilder::new();
        if let Some(rect) = Rect::from_xywh(column.left, self.y, column.width, 0.6) {
            path.push_rect(rect);
        }
        if let Some(path) = path.finish() {
            self.surface.set_fill(Some(fill(RULE)));
            self.surface.draw_path(&path);
        }
        self.y += 3.0;
    }

    pub fn gap(&mut self, points: f32) {
        self.y += points;
    }

    /// Draws the chart's SVG `width` points wide at the pen, and moves below it.
    pub fn chart(&mut self, column: Column, tree: &resvg::usvg::Tree) -> bool {
        use krilla_svg::{SurfaceExt, SvgSettings};
        let scale = column.width / tree.size().width();
        let height = tree.size().height() * scale;
        let Some(size) = krilla::geom::Size::from_wh(column.width, height) else {
            return false;
        };
        self.surface
            .push_transform(&krilla::geom::Transform::from_translate(
                column.left,
                self.y,
            ));
        let drawn = self
            .surface
            .draw_svg(tree, size, SvgSettings::default())
            .is_some();
        self.surface.pop();
        self.y += height;
        drawn
    }
}
