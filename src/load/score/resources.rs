//! `resources` and `service.ports`: needs, the route and the published ports.
//!
//! Score types map onto the platform's module types (`postgres`, `redis`, `s3` →
//! `bucket`, `amqp`/`sqs` → `queue`, or any module type by its own name); `params`
//! become the need's module inputs, checked by the module later. `service-port` is a
//! need on another service, `route` the service's route, `dns` the environment's
//! domain, `volume` a scratch volume of the pod. Anything else is an error at its line.

use serde_json::Value;

use super::{Mapped, Mapper};
use crate::document::pointer_push;
use crate::load::messages;

/// Score resource types that are another name for a pave module type.
const ALIASES: &[(&str, &str)] = &[("s3", "bucket"), ("amqp", "queue"), ("sqs", "queue")];

/// Score resource types pave maps to something other than a module.
const SPECIAL: &[&str] = &["dns", "route", "service-port", "volume"];

/// The module type a Score resource type stands for, if any.
fn module_type_for<'t>(score_type: &'t str, module_types: &'t [String]) -> Option<&'t str> {
    ALIASES
        .iter()
        .find(|(s, _)| *s == score_type)
        .map(|(_, m)| *m)
        .filter(|m| module_types.iter().any(|t| t == m))
        .or_else(|| {
            module_types
                .iter()
                .find(|t| *t == score_type)
                .map(String::as_str)
        })
}

impl Mapper<'_> {
    pub(super) fn map_resources(&mut self) {
        for name in self.keys("/resources") {
            let at = pointer_push("/resources", &name);
            for field in ["class", "id", "metadata"] {
                if self.get(&pointer_push(&at, field)).is_some() {
                    let why =
                        "pave provisions each need for its service alone, by its type and params";
                    self.refuse(&pointer_push(&at, field), why);
                }
            }
            let kind = self
                .get(&pointer_push(&at, "type"))
                .and_then(Value::as_str)
                .unwrap_or_default();
            let mapped = match kind {
                "dns" => self.dns(&at),
                "route" => self.route(&at),
                "service-port" => self.service_port(&name, &at),
                "volume" => self.volume(&name, &at),
                other => self.module_need(&name, &at, other),
            };
            if let Some(m) = mapped {
                self.resources.insert(name, m);
            }
        }
    }

    fn module_need(&mut self, name: &str, at: &str, kind: &str) -> Option<Mapped> {
        let module = module_type_for(kind, &self.cx.module_types).map(str::to_string);
        let Some(module) = module else {
            let mut known: Vec<String> = self.cx.module_types.clone();
            known.extend(ALIASES.iter().map(|(s, m)| format!("{s} (→ {m})")));
            known.extend(SPECIAL.iter().map(|s| s.to_string()));
            let span = self.span(&pointer_push(at, "type"));
            self.diags
                .push(messages::score_unknown_resource_type(span, kind, &known));
            return None;
        };
        let need = pointer_push("/needs", name);
        self.set(
            &pointer_push(&need, "type"),
            Value::String(module.clone()),
            &pointer_push(at, "type"),
        );
        self.origin(&need, at);
        let params = pointer_push(at, "params");
        for key in self.keys(&params) {
            let from = pointer_push(&params, &key);
            match key.as_str() {
                "type" | "service" | "renamed_from" => {
                    self.refuse(&from, "pave sets this need field itself")
                }
                _ => self.copy(&pointer_push(&need, &key), &from),
            }
        }
        Some(Mapped::Module(module))
    }

    /// A `volume` resource: a scratch volume of the pod (an emptyDir), whose params
    /// are pave's volume fields `size` and `memory` (score-k8s's default provisioner
    /// also makes an emptyDir, and takes none).
    fn volume(&mut self, name: &str, at: &str) -> Option<Mapped> {
        let params = pointer_push(at, "params");
        let why = "a `volume` resource is an emptyDir; it takes `size` (its sizeLimit) and `memory: true` (a tmpfs)";
        self.refuse_others(&params, &["size", "memory"], why);
        let to = pointer_push("/volumes", name);
        self.set(&to, Value::Object(serde_json::Map::new()), at);
        for key in ["size", "memory"] {
            let from = pointer_push(&params, key);
            if self.get(&from).is_some() {
                self.copy(&pointer_push(&to, key), &from);
            }
        }
        Some(Mapped::Volume)
    }

    fn dns(&mut self, at: &str) -> Option<Mapped> {
        let why = "a `dns` resource is `<workload>.<environment domain>`; it takes no params";
        self.refuse_others(&pointer_push(at, "params"), &[], why);
        Some(Mapped::Dns)
    }

    fn service_port(&mut self, name: &str, at: &str) -> Option<Mapped> {
        let params = pointer_push(at, "params");
        let why = "a `service-port` resource takes `workload` and `port`";
        self.refuse_others(&params, &["workload", "port"], why);
        let workload = pointer_push(&params, "workload");
        match self.get(&workload).and_then(Value::as_str) {
            Some(_) => {
                let need = pointer_push("/needs", name);
                self.copy(&pointer_push(&need, "service"), &workload);
                self.origin(&need, at);
            }
            None => {
                let d =
                    messages::score_missing_param(self.key_span(at), "workload", "service-port");
                self.diags.push(d);
            }
        }
        Some(Mapped::Service)
    }

    /// A `route` resource: `params.host` and `params.path`; `params.port` must be the
    /// main port, which is the port pave's Ingress sends traffic to.
    fn route(&mut self, at: &str) -> Option<Mapped> {
        let params = pointer_push(at, "params");
        let why = "a `route` resource takes `host`, `path` and `port`";
        self.refuse_others(&params, &["host", "path", "port"], why);
        if self.resources.values().any(|m| *m == Mapped::Route) {
            let why = "pave publishes one route per service";
            self.refuse(at, why);
            return None;
        }
        let host = pointer_push(&params, "host");
        if self.get(&host).is_none() {
            let d = messages::score_missing_param(self.key_span(at), "host", "route");
            self.diags.push(d);
            return Some(Mapped::Route);
        }
        let host_text = self.text(&host, true);
        self.set("/route/host", Value::String(host_text), &host);
        self.origin("/route", at);
        let port = pointer_push(&params, "port");
        let whole_decimal = |p: &Value| match p {
            Value::Number(n) if n.is_f64() => n.as_f64().filter(|f| f.fract() == 0.0),
            _ => None,
        };
        match self.get(&port) {
            Some(p) if let Some(whole) = whole_decimal(p) => {
                let field = port.trim_start_matches('/').replace('/', ".");
                let written = p.to_string();
                let d = messages::score_decimal(self.span(&port), &field, &written, whole);
                self.diags.push(d);
            }
            Some(p) if p.as_u64().is_none() || p.as_u64() != self.main_port => {
                self.refuse(&port, "pave's Ingress sends a route's traffic to the main port, the first of `service.ports`");
            }
            _ => {}
        }
        let path = pointer_push(&params, "path");
        if self.get(&path).is_some() {
            let path_text = self.text(&path, true);
            self.set("/route/path", Value::String(path_text), &path);
        }
        Some(Mapped::Route)
    }

    /// `service.ports`: the first is the main HTTP port (published as `http`), the
    /// rest extra named ports. pave's Service publishes each port at the container's
    /// number over TCP, so a different `targetPort` or UDP cannot be honoured.
    pub(super) fn map_ports(&mut self) {
        let ports = self.keys("/service/ports");
        for (i, name) in ports.iter().enumerate() {
            let at = pointer_push("/service/ports", name);
            let port = self.get(&pointer_push(&at, "port")).and_then(Value::as_u64);
            let target = pointer_push(&at, "targetPort");
            if let Some(t) = self.get(&target).and_then(Value::as_u64)
                && Some(t) != port
            {
                self.refuse(
                    &target,
                    "pave's Service publishes each port at the container's port number",
                );
            }
            let protocol = pointer_push(&at, "protocol");
            if self.get(&protocol).and_then(Value::as_str) == Some("UDP") {
                self.refuse(&protocol, "pave publishes TCP ports only");
            }
            match i {
                0 => {
                    self.main_port = port;
                    self.copy("/port", &pointer_push(&at, "port"));
                }
                _ => self.copy(&pointer_push("/ports", name), &pointer_push(&at, "port")),
            }
        }
        if ports.is_empty() {
            // A workload that publishes no port serves no traffic: a worker, unless an
            // annotation made it something else.
            if self.out.get("workload").is_none() {
                self.set(
                    "/workload",
                    Value::String("worker".to_string()),
                    "/metadata/name",
                );
            }
        } else if self.get("/service/ports").is_some() {
            self.origin("/ports", "/service/ports");
        }
    }
}
