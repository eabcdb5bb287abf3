//! What one copy of the app costs a month, estimated from its CPU and memory requests at
//! per-vCPU-hour and per-GB-hour prices the user can edit (EKS Fargate's, to start), or
//! measured from the month's tagged cost. Pure.

use serde::{Deserialize, Serialize};

/// Hours in an average month (365 × 24 / 12), as AWS's own monthly estimates use.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Fargate adds this much memory (GB) to the pod's requests for its own agents.
const FARGATE_OVERHEAD_GB: f64 = 0.25;

/// Prices per hour, in USD, and where they come from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Prices {
    pub vcpu_hour: f64,
    pub gb_hour: f64,
    /// Where these prices come from, e.g. `fargate-us-east-1` or `edited`.
    pub source: String,
}

impl Default for Prices {
    /// EKS on Fargate, us-east-1, Linux/x86.
    fn default() -> Self {
        Self {
            vcpu_hour: 0.04048,
            gb_hour: 0.004445,
            source: "fargate-us-east-1".into(),
        }
    }
}

/// The memory sizes (GB) Fargate offers with each vCPU size.
fn fargate_memory(vcpu: f64) -> Vec<f64> {
    let range =
        |from: u32, to: u32, step: usize| (from..=to).step_by(step).map(f64::from).collect();
    match vcpu {
        v if v <= 0.25 => vec![0.5, 1.0, 2.0],
        v if v <= 0.5 => range(1, 4, 1),
        v if v <= 1.0 => range(2, 8, 1),
        v if v <= 2.0 => range(4, 16, 1),
        v if v <= 4.0 => range(8, 30, 1),
        v if v <= 8.0 => range(16, 60, 4),
        _ => range(32, 120, 8),
    }
}

/// The vCPU sizes Fargate offers.
const FARGATE_VCPUS: [f64; 7] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0];

/// The Fargate size a pod with these requests runs on: the smallest valid (vCPU, GB) pair
/// that holds the requests plus Fargate's 256 MB; `None` when nothing is that large.
pub fn fargate_size(cpu_cores: f64, memory_gb: f64) -> Option<(f64, f64)> {
    let memory = memory_gb + FARGATE_OVERHEAD_GB;
    FARGATE_VCPUS
        .iter()
        .filter(|vcpu| **vcpu >= cpu_cores)
        .find_map(|vcpu| {
            let gb = fargate_memory(*vcpu).into_iter().find(|gb| *gb >= memory)?;
            Some((*vcpu, gb))
        })
}

/// One copy's estimated monthly cost and how it was reached.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CopyCost {
    /// USD per month.
    pub monthly: f64,
    /// `prices` (from requests and prices) or `tagged` (from the month's tagged cost).
    pub basis: String,
    /// The prices' source, when estimated from them.
    pub source: Option<String>,
    /// The size it was priced at (vCPU, GB), when estimated from requests.
    pub size: Option<(f64, f64)>,
    /// What it was measured from, when from the tagged cost.
    pub measured: Option<Measured>,
}

/// A month's tagged cost and the copy-hours the app ran in it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Measured {
    /// `YYYY-MM`.
    pub month: String,
    /// The cost-allocation tag, `key=value`.
    pub tag: String,
    /// USD.
    pub cost: f64,
    pub copy_hours: f64,
}

/// One copy's monthly cost from its requests (cores, bytes), at `prices`. Requests that
/// are not set count as Fargate's smallest size. `None` when no Fargate size fits.
pub fn from_requests(cpu_cores: f64, memory_bytes: f64, prices: &Prices) -> Option<CopyCost> {
    let memory_gb = memory_bytes / 1024.0_f64.powi(3);
    let (vcpu, gb) = fargate_size(cpu_cores, memory_gb)?;
    Some(CopyCost {
        monthly: (vcpu * prices.vcpu_hour + gb * prices.gb_hour) * HOURS_PER_MONTH,
        basis: "prices".into(),
        source: Some(prices.source.clone()),
        size: Some((vcpu, gb)),
        measured: None,
    })
}

/// One copy's monthly cost measured from a month's tagged cost and the copy-hours run in it:
/// `None` without copy-hours (nothing ran, nothing to divide by).
pub fn from_tagged(measured: Measured) -> Option<CopyCost> {
    let usable = measured.copy_hours > 0.0 && measured.cost.is_finite() && measured.cost >= 0.0;
    usable.then(|| CopyCost {
        monthly: measured.cost / measured.copy_hours * HOURS_PER_MONTH,
        basis: "tagged".into(),
        source: None,
        size: None,
        measured: Some(measured),
    })
}

/// A size the deploy form offers in plain words: its requests and limits as Kubernetes
/// writes them. Memory requests leave room for Fargate's 256 MB, so each runs on the Fargate
/// size it is named by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    /// `small`, `medium`, `large`: the window's words are `size.<name>`.
    pub name: &'static str,
    pub cpu_request: &'static str,
    pub cpu_limit: &'static str,
    pub memory_request: &'static str,
    pub memory_limit: &'static str,
}

/// Small, Medium and Large.
pub const SIZES: [Size; 3] = [
    Size {
        name: "small",
        cpu_request: "250m",
        cpu_limit: "500m",
        memory_request: "256Mi",
        memory_limit: "512Mi",
    },
    Size {
        name: "medium",
        cpu_request: "500m",
        cpu_limit: "1",
        memory_request: "768Mi",
        memory_limit: "1536Mi",
    },
    Size {
        name: "large",
        cpu_request: "1",
        cpu_limit: "2",
        memory_request: "1792Mi",
        memory_limit: "3584Mi",
    },
];

/// A size with what one copy of it costs a month at the guard's prices.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PricedSize {
    pub name: &'static str,
    pub cpu_request: &'static str,
    pub cpu_limit: &'static str,
    pub memory_request: &'static str,
    pub memory_limit: &'static str,
    /// The reservation in plain units: vCPU, and MB (MiB, as people say MB).
    pub vcpu: f64,
    pub memory_mb: u32,
    /// USD per copy per month at `prices` (`None` only if no Fargate size fits).
    pub monthly: Option<f64>,
    /// Where the prices come from.
    pub source: String,
}

/// Every size, priced at `prices`.
pub fn priced_sizes(prices: &Prices) -> Vec<PricedSize> {
    use purser_kubesim::quantity;
    SIZES
        .iter()
        .map(|size| {
            let cpu = quantity::parse(size.cpu_request).unwrap_or_default();
            let memory = quantity::parse(size.memory_request).unwrap_or_default();
            PricedSize {
                name: size.name,
                cpu_request: size.cpu_request,
                cpu_limit: size.cpu_limit,
                memory_request: size.memory_request,
                memory_limit: size.memory_limit,
                vcpu: cpu,
                memory_mb: (memory / (1024.0 * 1024.0)).round() as u32,
                monthly: from_requests(cpu, memory, prices).map(|c| c.monthly),
                source: prices.source.clone(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_size_runs_on_the_fargate_size_it_is_priced_at_and_follows_the_prices() {
        let sizes = priced_sizes(&Prices::default());
        let names: Vec<_> = sizes
            .iter()
            .map(|s| (s.name, s.vcpu, s.memory_mb))
            .collect();
        assert_eq!(
            names,
            [
                ("small", 0.25, 256),
                ("medium", 0.5, 768),
                ("large", 1.0, 1792)
            ]
        );
        // Medium: 0.5 vCPU and 1 GB on Fargate (768 MB + its 256 MB), 730 hours.
        let medium = sizes[1].monthly.unwrap();
        assert!((medium - (0.5 * 0.04048 + 1.0 * 0.004445) * 730.0).abs() < 1e-9);
        assert_eq!(medium.round(), 18.0);
        for size in &SIZES {
            let cpu = purser_kubesim::quantity::parse(size.cpu_request).unwrap();
            let gb =
                purser_kubesim::quantity::parse(size.memory_request).unwrap() / 1024f64.powi(3);
            let (vcpu, fargate_gb) = fargate_size(cpu, gb).unwrap();
            assert_eq!(vcpu, cpu, "{}", size.name);
            assert_eq!(
                fargate_gb,
                gb + FARGATE_OVERHEAD_GB,
                "{}: no memory paid for unused",
                size.name
            );
        }
        let doubled = Prices {
            vcpu_hour: 0.08096,
            gb_hour: 0.00889,
            source: "edited".into(),
        };
        let edited = priced_sizes(&doubled);
        assert!((edited[1].monthly.unwrap() - 2.0 * medium).abs() < 1e-9);
        assert_eq!(edited[1].source, "edited");
    }

    #[test]
    fn fargate_rounds_requests_up_to_a_size_it_offers() {
        // 100m and 128 Mi (+256 MB) fit the smallest size.
        assert_eq!(fargate_size(0.1, 0.125), Some((0.25, 0.5)));
        // 250m and 512 Mi: 0.75 GB rounds up to 1 GB at 0.25 vCPU.
        assert_eq!(fargate_size(0.25, 0.5), Some((0.25, 1.0)));
        // 1.25 GB at 0.25 vCPU: there is no 1.5 GB size, so 2 GB.
        assert_eq!(fargate_size(0.25, 1.0), Some((0.25, 2.0)));
        // 0.3 vCPU needs 0.5 vCPU, whose memory starts at 1 GB.
        assert_eq!(fargate_size(0.3, 0.25), Some((0.5, 1.0)));
        // 1 vCPU and 3 GB (+0.25) → 4 GB.
        assert_eq!(fargate_size(1.0, 3.0), Some((1.0, 4.0)));
        // More memory than 0.25 vCPU can have moves up a vCPU size.
        assert_eq!(fargate_size(0.25, 3.0), Some((0.5, 4.0)));
        assert_eq!(fargate_size(32.0, 1.0), None);
    }

    #[test]
    fn a_small_copy_costs_about_nine_dollars_a_month_at_fargate_prices() {
        let cost = from_requests(0.1, 128.0 * 1024.0 * 1024.0, &Prices::default()).unwrap();
        // (0.25 × 0.04048 + 0.5 × 0.004445) × 730
        assert!((cost.monthly - 9.01).abs() < 0.01, "{}", cost.monthly);
        assert_eq!(cost.size, Some((0.25, 0.5)));
    }

    #[test]
    fn tagged_cost_per_copy_hour() {
        // $300 over 2 copies for a 30-day month (1440 copy-hours) → $152.08 per copy-month.
        let measured = |cost, copy_hours| Measured {
            month: "2026-09".into(),
            tag: "app=assistant".into(),
            cost,
            copy_hours,
        };
        let cost = from_tagged(measured(300.0, 1440.0)).unwrap();
        assert!((cost.monthly - 152.083).abs() < 0.01);
        assert_eq!(cost.basis, "tagged");
        assert_eq!(from_tagged(measured(300.0, 0.0)), None);
        assert_eq!(from_tagged(measured(f64::NAN, 10.0)), None);
    }
}
