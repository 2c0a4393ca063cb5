//! The `console` and `file` exporters: JSON lines in the OTLP JSON encoding, so other tools
//! (and `jq`) can read them. `console` writes one span per line on standard error; `file`
//! appends one `ExportTraceServiceRequest` per export, as the Collector's file exporter does.

use super::record::{ExportFailure, FailureKind, Recorder};
use super::WriteError;
use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use opentelemetry_sdk::Resource;
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

enum Sink {
    Stderr,
    File(PathBuf, std::fs::File),
}

pub struct JsonLinesExporter {
    sink: Mutex<Sink>,
    resource: ResourceAttributesWithSchema,
    recorder: Arc<Recorder>,
}

impl fmt::Debug for JsonLinesExporter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JsonLinesExporter")
    }
}

impl JsonLinesExporter {
    pub fn console(recorder: Arc<Recorder>) -> Self {
        JsonLinesExporter {
            sink: Mutex::new(Sink::Stderr),
            resource: Default::default(),
            recorder,
        }
    }

    /// Opens (creating, appending) the file now, so a bad path fails the build, not every export.
    pub fn file(path: &Path, recorder: Arc<Recorder>) -> std::io::Result<Self> {
        let f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(JsonLinesExporter {
            sink: Mutex::new(Sink::File(path.to_owned(), f)),
            resource: Default::default(),
            recorder,
        })
    }

    fn write(&self, batch: Vec<SpanData>) -> Result<(), WriteError> {
        let request = ExportTraceServiceRequest {
            resource_spans: group_spans_by_resource_and_scope(batch, &self.resource),
        };
        let mut sink = self.sink.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = Vec::new();
        match &*sink {
            Sink::Stderr => {
                for rs in &request.resource_spans {
                    for ss in &rs.scope_spans {
                        for span in &ss.spans {
                            serde_json::to_writer(&mut out, span)?;
                            out.push(b'\n');
                        }
                    }
                }
            }
            Sink::File(..) => {
                serde_json::to_writer(&mut out, &request)?;
                out.push(b'\n');
            }
        }
        match &mut *sink {
            Sink::Stderr => std::io::stderr()
                .write_all(&out)
                .map_err(WriteError::Stderr),
            Sink::File(path, f) => {
                f.write_all(&out)
                    .and_then(|_| f.flush())
                    .map_err(|source| WriteError::File {
                        path: path.clone(),
                        source,
                    })
            }
        }
    }
}

impl SpanExporter for JsonLinesExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.write(batch).map_err(|e| {
            let e = e.to_string();
            self.recorder
                .note_failure(ExportFailure::new(FailureKind::Exporter, vec![e.clone()]));
            OTelSdkError::InternalFailure(e)
        })
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.into();
    }
}
