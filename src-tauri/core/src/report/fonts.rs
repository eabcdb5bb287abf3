//! The report's fonts: this system's sans (the one the chart uses), regular and bold, embedded
//! by krilla as subsets so the text stays selectable; and their advance widths, to wrap and
//! right-align text.

use std::sync::Arc;

use krilla::text::Font;
use resvg::usvg::fontdb::{Database, Family, Query, Stretch, Style, Weight};
use skrifa::instance::{LocationRef, Size};
use skrifa::MetadataProvider;

use super::ReportError;

/// One face: krilla's handle to embed it, and its bytes to measure with.
#[derive(Clone)]
pub struct Face {
    pub font: Font,
    data: Arc<Vec<u8>>,
    index: u32,
}

impl Face {
    /// The width of `text` at `size` points (advances only; no kerning, so a hair wide).
    pub fn width(&self, text: &str, size: f32) -> f32 {
        let Ok(font) = skrifa::FontRef::from_index(&self.data, self.index) else {
            return text.chars().count() as f32 * size * 0.6;
        };
        let charmap = font.charmap();
        let metrics = font.glyph_metrics(Size::new(size), LocationRef::default());
        text.chars()
            .map(|c| {
                charmap
                    .map(c)
                    .and_then(|glyph| metrics.advance_width(glyph))
                    .unwrap_or(size * 0.6)
            })
            .sum()
    }
}

/// The faces the report writes with, and the database the chart's text is drawn from.
pub struct Fonts {
    pub regular: Face,
    pub bold: Face,
    pub database: Arc<Database>,
}

fn face(database: &Database, family: &str, weight: Weight) -> Option<Face> {
    let id = database.query(&Query {
        families: &[Family::Name(family), Family::SansSerif],
        weight,
        stretch: Stretch::Normal,
        style: Style::Normal,
    })?;
    let (data, index) = database.with_face_data(id, |data, index| (data.to_vec(), index))?;
    let data = Arc::new(data);
    let font = Font::new(data.clone().into(), index)?;
    Some(Face { font, data, index })
}

impl Fonts {
    /// This system's sans, as the chart finds it.
    pub fn of_system() -> Result<Self, ReportError> {
        let database = crate::chart::system_fonts();
        let family = crate::chart::sans_family(&database).ok_or(ReportError::NoFont)?;
        let regular = face(&database, &family, Weight::NORMAL).ok_or(ReportError::NoFont)?;
        // A family without a bold face writes its headings in the regular one.
        let bold = face(&database, &family, Weight::BOLD).unwrap_or_else(|| regular.clone());
        Ok(Self {
            regular,
            bold,
            database: Arc::new(database),
        })
    }
}
