//! The job payload a GitLab-compatible coordinator hands out (`POST /api/v4/jobs/request`, 201).
//!
//! Only the fields the shell executor needs; unknown fields are ignored, as GitLab adds new ones.

use crate::redact::Secret;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize)]
pub struct JobSpec {
    pub id: u64,
    /// The job token: every log and state call about this job carries it (not the runner's).
    pub token: Secret,
    #[serde(default)]
    pub job_info: JobInfo,
    pub git_info: GitInfo,
    #[serde(default)]
    pub steps: Vec<Step>,
    #[serde(default)]
    pub variables: Vec<Variable>,
    #[serde(default)]
    pub runner_info: RunnerInfo,
    /// Pipeline details, when the coordinator sends them (GitLab puts them in variables).
    #[serde(default)]
    pub pipeline: Option<PipelineInfo>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct JobInfo {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub stage: String,
    #[serde(default)]
    pub project_id: u64,
    #[serde(default)]
    pub project_name: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct PipelineInfo {
    #[serde(default)]
    pub id: Option<u64>,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct RunnerInfo {
    /// The job's timeout in seconds.
    #[serde(default)]
    pub timeout: Option<u64>,
}

#[derive(Clone, Debug, Deserialize)]
pub struct GitInfo {
    /// May carry `gitlab-ci-token:<job token>@`: never logged or traced with its password.
    pub repo_url: String,
    #[serde(rename = "ref", default)]
    pub git_ref: String,
    pub sha: String,
    #[serde(default)]
    pub before_sha: String,
    /// `branch` or `tag`.
    #[serde(default)]
    pub ref_type: Option<String>,
    #[serde(default)]
    pub refspecs: Vec<String>,
    /// Shallow-fetch depth; 0 means full history.
    #[serde(default)]
    pub depth: u32,
}

#[derive(Clone, Debug, Deserialize)]
pub struct Step {
    /// `script` or `after_script` (`release` and others are run the same way).
    pub name: String,
    #[serde(default)]
    pub script: Vec<String>,
    /// Seconds.
    #[serde(default)]
    pub timeout: Option<u64>,
    /// `on_success` (default), `on_failure`, `always`.
    #[serde(default)]
    pub when: Option<String>,
    #[serde(default)]
    pub allow_failure: bool,
}

impl Step {
    /// Whether the step runs, given whether an earlier step failed (GitLab's `when`).
    pub fn runs(&self, failed_so_far: bool) -> bool {
        match self.when.as_deref().unwrap_or("on_success") {
            "always" => true,
            "on_failure" => failed_so_far,
            _ => !failed_so_far,
        }
    }

    /// `after_script` never changes the job's result (GitLab's rule).
    pub fn affects_result(&self) -> bool {
        self.name != "after_script"
    }
}

#[derive(Clone, Debug, Deserialize)]
pub struct Variable {
    pub key: String,
    #[serde(default)]
    pub value: String,
    #[serde(default)]
    pub public: bool,
    #[serde(default)]
    pub masked: bool,
}

impl JobSpec {
    pub fn variable(&self, key: &str) -> Option<&str> {
        self.variables
            .iter()
            .rev()
            .find(|v| v.key == key)
            .map(|v| v.value.as_str())
    }

    /// The pipeline's name: GitLab's `CI_PIPELINE_NAME`, else the project's name.
    pub fn pipeline_name(&self) -> String {
        self.pipeline
            .as_ref()
            .and_then(|p| p.name.clone())
            .or_else(|| self.variable("CI_PIPELINE_NAME").map(str::to_owned))
            .unwrap_or_else(|| self.job_info.project_name.clone())
    }

    pub fn pipeline_id(&self) -> Option<String> {
        self.pipeline
            .as_ref()
            .and_then(|p| p.id)
            .map(|id| id.to_string())
            .or_else(|| self.variable("CI_PIPELINE_ID").map(str::to_owned))
    }

    /// The job's display name, `job <id>` when the coordinator sent none.
    pub fn name(&self) -> String {
        if self.job_info.name.is_empty() {
            format!("job {}", self.id)
        } else {
            self.job_info.name.clone()
        }
    }

    /// The values masked in the log: masked variables and the job token.
    pub fn masked_values(&self) -> Vec<String> {
        let mut v: Vec<String> = self
            .variables
            .iter()
            .filter(|v| v.masked && !v.value.is_empty())
            .map(|v| v.value.clone())
            .collect();
        if !self.token.is_empty() {
            v.push(self.token.expose().to_owned());
        }
        v
    }
}

/// A repository URL without its password (GitLab embeds the job token there).
pub fn display_url(raw: &str) -> String {
    match url::Url::parse(raw) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("REDACTED"));
            u.to_string()
        }
        _ => raw.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_gitlab_job_and_ignores_unknown_fields() {
        let j: JobSpec = serde_json::from_value(serde_json::json!({
            "id": 7, "token": "jt", "allow_git_fetch": true,
            "job_info": {"name": "test", "stage": "build", "project_id": 3, "project_name": "demo"},
            "git_info": {"repo_url": "https://gitlab-ci-token:jt@example.test/a.git", "ref": "main",
                          "sha": "abc", "before_sha": "000", "ref_type": "branch", "depth": 20},
            "steps": [{"name": "script", "script": ["true"], "timeout": 60, "when": "on_success",
                        "allow_failure": false}],
            "variables": [{"key": "CI_PIPELINE_ID", "value": "99", "public": true},
                           {"key": "S", "value": "hush", "masked": true}],
            "features": {}
        }))
        .unwrap();
        assert_eq!(j.pipeline_id().as_deref(), Some("99"));
        assert_eq!(j.pipeline_name(), "demo");
        assert_eq!(j.masked_values(), vec!["hush".to_owned(), "jt".to_owned()]);
        assert!(!display_url(&j.git_info.repo_url).contains("jt@"));
    }

    #[test]
    fn when_rules_follow_gitlab() {
        let step = |when: &str| Step {
            name: "x".into(),
            script: vec![],
            timeout: None,
            when: Some(when.into()),
            allow_failure: false,
        };
        assert!(step("on_success").runs(false) && !step("on_success").runs(true));
        assert!(step("on_failure").runs(true) && !step("on_failure").runs(false));
        assert!(step("always").runs(true) && step("always").runs(false));
    }
}
