//! Under a build or patch event: its Image Builder image's status (with the
//! reason when it failed), recipe and components, from the dashboard's cache.
//! Nothing is added where Image Builder is not available (a notice says so).

use ratatui::style::Style;
use ratatui::text::Line;

use super::theme::Theme;
use crate::app::images::{ImageView, Images};
use crate::lifecycle::EventRecord;
use crate::lifecycle::image::{BuildImage, ImageState};

const INDENT: &str = "      ";

/// The image lines for one event record (none when it has no image ARN).
pub fn lines(
    record: &EventRecord,
    images: &Images,
    theme: &Theme,
    width: u16,
    out: &mut Vec<Line<'static>>,
) {
    let Some(view) = record
        .outputs
        .image_arn
        .as_ref()
        .and_then(|a| images.get(a))
    else {
        return;
    };
    match view {
        ImageView::Loading => out.push(Line::styled(format!("{INDENT}image: reading…"), theme.dim)),
        ImageView::Failed(message) => out.push(Line::styled(
            format!("{INDENT}image not read: {message}"),
            theme.dim,
        )),
        ImageView::Unavailable => {}
        ImageView::Loaded(image) => loaded(image, theme, width, out),
    }
}

fn loaded(image: &BuildImage, theme: &Theme, width: u16, out: &mut Vec<Line<'static>>) {
    let mut summary = format!("{INDENT}image {}", image.state.name());
    if let Some(recipe) = &image.recipe {
        summary.push_str(&format!(" · recipe {recipe}"));
        if let Some(version) = &image.recipe_version {
            summary.push_str(&format!(" {version}"));
        }
    }
    let count = image.components.len();
    if count > 0 {
        let plural = if count == 1 { "" } else { "s" };
        summary.push_str(&format!(" · {count} component{plural}"));
        let names: Vec<&str> = image.components.iter().map(|c| component_name(c)).collect();
        let with_names = format!("{summary}: {}", names.join(", "));
        // The names only when the whole line fits: a count never wraps.
        if with_names.chars().count() <= usize::from(width) {
            summary = with_names;
        }
    }
    out.push(Line::styled(summary, style(image.state, theme)));
    if let Some(reason) = &image.reason {
        out.push(Line::styled(
            format!("{INDENT}image reason: {reason}"),
            theme.status_failed,
        ));
    }
}

fn style(state: ImageState, theme: &Theme) -> Style {
    match state {
        ImageState::Available => theme.status_completed,
        ImageState::Failed | ImageState::Cancelled => theme.status_failed,
        s if s.is_in_progress() => theme.status_running,
        _ => theme.dim,
    }
}

/// `arn:...:component/update-linux/1.0.0/1` → `update-linux`.
fn component_name(arn: &str) -> &str {
    arn.rsplit_once(":component/")
        .and_then(|(_, rest)| rest.split('/').next())
        .filter(|name| !name.is_empty())
        .unwrap_or(arn)
}

#[cfg(test)]
mod tests {
    use super::component_name;

    #[test]
    fn component_names_come_from_their_arns() {
        let arn = "arn:aws:imagebuilder:eu-west-1:aws:component/update-linux/1.0.0/1";
        assert_eq!(component_name(arn), "update-linux");
        assert_eq!(component_name("odd"), "odd");
    }
}
