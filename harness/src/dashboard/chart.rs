//! Inline SVG line charts (no script, no font files: the page works offline and from
//! `file://`).

use std::fmt::Write as _;

use super::html::esc;

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend text.
    pub name: String,
    /// CSS color.
    pub color: &'static str,
    /// One value per x position (`None`: no value, the line has a gap).
    pub points: Vec<Option<f64>>,
}

/// How the y axis is scaled and labelled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum YAxis {
    /// 0–100 %, zoomed to the data's lowest decade.
    Percent,
    /// A count from 0.
    Count,
}

const W: f64 = 960.0;
const H: f64 = 280.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

fn nice_ceiling(x: f64) -> f64 {
    if x <= 1.0 {
        return 1.0;
    }
    let mag = 10f64.powf(x.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        // Whole numbers only: no 2.5 below 10.
        if m * mag >= x && (m * mag).fract() == 0.0 {
            return m * mag;
        }
    }
    10.0 * mag
}

fn fmt_y(v: f64, axis: YAxis) -> String {
    match axis {
        YAxis::Percent => {
            if (v - v.round()).abs() < 1e-9 {
                format!("{v:.0}%")
            } else {
                format!("{v:.1}%")
            }
        }
        YAxis::Count => format!("{v:.0}"),
    }
}

/// An SVG line chart: `x_labels` name the runs (oldest first), one polyline per series,
/// a dot with a tooltip (`<title>`) per value, and the series names in a legend.
pub fn line_chart(
    id: &str,
    caption: &str,
    x_labels: &[String],
    series: &[Series],
    axis: YAxis,
) -> String {
    let values: Vec<f64> = series
        .iter()
        .flat_map(|s| s.points.iter().flatten().copied())
        .filter(|v| v.is_finite())
        .collect();
    let (lo, hi) = match axis {
        YAxis::Percent => {
            let min = values.iter().copied().fold(100.0, f64::min);
            let lo = ((min / 10.0).floor() * 10.0).clamp(0.0, 90.0);
            (lo, 100.0)
        }
        YAxis::Count => {
            // Four grid steps of a whole, round size.
            let max = values.iter().copied().fold(0.0, f64::max);
            (0.0, 4.0 * nice_ceiling(max / 4.0))
        }
    };
    let n = x_labels.len();
    let plot_w = W - LEFT - RIGHT;
    let plot_h = H - TOP - BOTTOM;
    let x_at = |i: usize| {
        if n <= 1 {
            LEFT + plot_w / 2.0
        } else {
            LEFT + plot_w * i as f64 / (n - 1) as f64
        }
    };
    let y_at = |v: f64| TOP + plot_h * (1.0 - (v - lo) / (hi - lo));

    let mut s = String::new();
    let _ = write!(
        s,
        r#"<figure class="chart" id="{id}"><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {W} {H}" width="100%" role="img" aria-label="{}">"#,
        esc(caption)
    );
    // Grid and y labels.
    for k in 0..=4 {
        let v = lo + (hi - lo) * f64::from(k) / 4.0;
        let y = y_at(v);
        let _ = write!(
            s,
            r##"<line x1="{LEFT}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#d0d7de" stroke-width="1"/><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="12" fill="#57606a">{}</text>"##,
            W - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            fmt_y(v, axis)
        );
    }
    // X labels: at most 8, evenly spread, always the first and the last.
    if n > 0 {
        let step = n.div_ceil(8).max(1);
        let mut shown: Vec<usize> = (0..n).step_by(step).collect();
        if shown.last() != Some(&(n - 1)) {
            if shown.len() > 1 && n - 1 - shown[shown.len() - 1] < step / 2 + 1 {
                shown.pop();
            }
            shown.push(n - 1);
        }
        for i in shown {
            // The first and last labels stay inside the plot.
            let anchor = match i {
                _ if n == 1 => "middle",
                0 => "start",
                i if i == n - 1 => "end",
                _ => "middle",
            };
            let _ = write!(
                s,
                r##"<text x="{:.1}" y="{:.1}" text-anchor="{anchor}" font-size="12" fill="#57606a">{}</text>"##,
                x_at(i),
                H - BOTTOM + 18.0,
                esc(&x_labels[i])
            );
        }
    }
    let _ = write!(
        s,
        r##"<line x1="{LEFT}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="#57606a" stroke-width="1"/>"##,
        H - BOTTOM,
        W - RIGHT,
        H - BOTTOM
    );
    for se in series {
        // Polylines over runs of consecutive values.
        let mut run: Vec<(f64, f64)> = Vec::new();
        let flush = |run: &mut Vec<(f64, f64)>, s: &mut String| {
            if run.len() > 1 {
                let pts: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
                let _ = write!(
                    s,
                    r#"<polyline fill="none" stroke="{}" stroke-width="2.5" points="{}"/>"#,
                    se.color,
                    pts.join(" ")
                );
            }
            run.clear();
        };
        for (i, p) in se.points.iter().enumerate() {
            match p {
                Some(v) if v.is_finite() => run.push((x_at(i), y_at(*v))),
                _ => flush(&mut run, &mut s),
            }
        }
        flush(&mut run, &mut s);
        for (i, p) in se.points.iter().enumerate() {
            if let Some(v) = p.filter(|v| v.is_finite()) {
                let label = x_labels.get(i).map_or("", String::as_str);
                let _ = write!(
                    s,
                    r##"<circle cx="{:.1}" cy="{:.1}" r="3.5" fill="{}" stroke="#fff" stroke-width="1"><title>{}: {} ({})</title></circle>"##,
                    x_at(i),
                    y_at(v),
                    se.color,
                    esc(&se.name),
                    fmt_y(v, axis),
                    esc(label)
                );
            }
        }
    }
    s.push_str("</svg><figcaption>");
    let _ = write!(s, "<span class=\"caption\">{}</span>", esc(caption));
    for se in series {
        let _ = write!(
            s,
            r#" <span class="legend"><span class="swatch" style="background:{}"></span>{}</span>"#,
            se.color,
            esc(&se.name)
        );
    }
    s.push_str("</figcaption></figure>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_ceilings() {
        assert_eq!(nice_ceiling(0.0), 1.0);
        assert_eq!(nice_ceiling(7.0), 10.0);
        assert_eq!(nice_ceiling(11.0), 20.0);
        assert_eq!(nice_ceiling(121.0), 200.0);
        assert_eq!(nice_ceiling(201.0), 250.0);
        assert_eq!(nice_ceiling(6.0), 10.0);
        assert_eq!(nice_ceiling(2.1), 5.0);
    }

    #[test]
    fn chart_has_one_dot_per_value_and_gaps() {
        let svg = line_chart(
            "c",
            "test",
            &["a".into(), "b".into(), "c".into()],
            &[Series {
                name: "x".into(),
                color: "#000",
                points: vec![Some(50.0), None, Some(99.5)],
            }],
            YAxis::Percent,
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        assert_eq!(svg.matches("<polyline").count(), 0, "a gap splits the line");
        assert!(svg.contains("x: 99.5% (c)"));
        assert!(
            svg.contains(">50%<"),
            "the axis starts at the lowest decade"
        );
    }
}
