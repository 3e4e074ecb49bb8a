//! The analyst view's KPI charts over time, drawn on the server as SVG
//! (plotters) from [`crate::kpis::weekly_kpis`]: the rates week by week,
//! and how many replies came in and how many were drafted. The SVG holds
//! only numbers, dates and our own series names, never text from mail.

use plotters::prelude::*;

use crate::kpis::{Rate, WeekKpis};

/// Why a chart could not be drawn.
#[derive(Debug, thiserror::Error)]
#[error("chart: {0}")]
pub struct ChartError(String);

fn err<E: std::fmt::Display>(e: E) -> ChartError {
    ChartError(e.to_string())
}

const SIZE: (u32, u32) = (760, 320);

/// The series of the rates chart: name, colour, and the rate of a week.
type RateSeries = (&'static str, RGBColor, fn(&WeekKpis) -> Rate);

const RATES: [RateSeries; 4] = [
    ("automation", RGBColor(21, 112, 239), |w| {
        w.kpis.automation_rate
    }),
    ("dispute rate", RGBColor(217, 45, 32), |w| {
        w.kpis.dispute_rate
    }),
    ("promises kept", RGBColor(7, 148, 85), |w| {
        w.kpis.promise_kept_rate
    }),
    ("drafts approved unedited", RGBColor(220, 104, 3), |w| {
        w.kpis.draft_acceptance.approved_unedited
    }),
];

/// The series of the volume chart: name, colour, and the count of a week.
type CountSeries = (&'static str, RGBColor, fn(&WeekKpis) -> usize);

/// A chart's caption and margins, the same for every chart.
fn frame<'a, 'b, DB: DrawingBackend>(
    root: &'a DrawingArea<DB, plotters::coord::Shift>,
    caption: &str,
) -> ChartBuilder<'a, 'b, DB> {
    let mut b = ChartBuilder::on(root);
    b.caption(caption, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(30)
        .y_label_area_size(44);
    b
}

/// The series names, top left, over a light box.
fn legend<'a, DB: DrawingBackend + 'a, CT: CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
) -> Result<(), ChartError> {
    chart
        .configure_series_labels()
        .position(SeriesLabelPosition::UpperLeft)
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK.mix(0.3))
        .label_font(("sans-serif", 12))
        .draw()
        .map_err(err)
}

fn week_label(weeks: &[WeekKpis], x: &i32) -> String {
    usize::try_from(*x)
        .ok()
        .and_then(|i| weeks.get(i))
        .map(|w| w.week.format("%d %b").to_string())
        .unwrap_or_default()
}

/// The rates week by week (a week with nothing to count has no point).
pub fn rates_svg(weeks: &[WeekKpis]) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = weeks.len().max(1) as i32;
        let mut chart = frame(&root, "KPIs by week")
            .build_cartesian_2d(-1..n, 0.0..1.45f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(weeks.len().clamp(1, 12))
            .x_label_formatter(&|x| week_label(weeks, x))
            .y_label_formatter(&|y| {
                if *y <= 1.0 + 1e-9 {
                    format!("{:.0} %", y * 100.0)
                } else {
                    String::new()
                }
            })
            .y_labels(8)
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        for (name, colour, rate) in RATES {
            let points: Vec<(i32, f64)> = weeks
                .iter()
                .zip(0..)
                .filter_map(|(w, i)| rate(w).rate.map(|r| (i, r)))
                .collect();
            chart
                .draw_series(LineSeries::new(points.clone(), colour.stroke_width(2)))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 14, y)], colour.stroke_width(2))
                });
            chart
                .draw_series(
                    points
                        .into_iter()
                        .map(|p| Circle::new(p, 3, colour.filled())),
                )
                .map_err(err)?;
        }
        legend(&mut chart)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// Replies received and replies drafted, week by week.
pub fn volume_svg(weeks: &[WeekKpis]) -> Result<String, ChartError> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE).map_err(err)?;
        let n = weeks.len().max(1) as i32;
        let top = weeks.iter().map(|w| w.kpis.items).max().unwrap_or(0).max(1) as i32;
        let mut chart = frame(&root, "Replies by week")
            // Head-room above the highest bar for the legend.
            .build_cartesian_2d(-1..n, 0..top + top / 3 + 2)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .light_line_style(TRANSPARENT)
            .x_labels(weeks.len().clamp(1, 12))
            .x_label_formatter(&|x| week_label(weeks, x))
            .y_labels((top as usize + 1).min(10))
            .y_label_formatter(&|y| {
                if *y <= top {
                    y.to_string()
                } else {
                    String::new()
                }
            })
            .label_style(("sans-serif", 12))
            .draw()
            .map_err(err)?;
        let bars: [CountSeries; 2] = [
            ("received", RGBColor(152, 162, 179), |w| w.kpis.items),
            ("drafted", RGBColor(21, 112, 239), |w| {
                w.kpis.automation_rate.numerator
            }),
        ];
        for (k, (name, colour, count)) in bars.into_iter().enumerate() {
            chart
                .draw_series(weeks.iter().zip(0..).map(|(w, i)| {
                    let x0 = i;
                    // Two bars side by side in each week's slot.
                    let mut r =
                        Rectangle::new([(x0, 0), (x0 + 1, count(w) as i32)], colour.filled());
                    r.set_margin(
                        0,
                        0,
                        if k == 0 { 4 } else { 20 },
                        if k == 0 { 20 } else { 4 },
                    );
                    r
                }))
                .map_err(err)?
                .label(name)
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 5), (x + 12, y + 5)], colour.filled())
                });
        }
        legend(&mut chart)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kpis::{KpiInputs, weekly_kpis};

    #[test]
    fn charts_name_every_series_and_hold_no_script() {
        let inputs = KpiInputs::default();
        let empty = weekly_kpis(&inputs, 12, chrono::Utc::now().date_naive());
        for svg in [rates_svg(&empty).unwrap(), volume_svg(&empty).unwrap()] {
            assert!(svg.starts_with("<svg"), "{svg}");
            assert!(!svg.contains("<script"));
        }
        let rates = rates_svg(&empty).unwrap();
        for (name, _, _) in RATES {
            assert!(rates.contains(name), "{name} missing from the legend");
        }
    }
}
