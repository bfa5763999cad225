{{- /*
The service's Prometheus rule groups, built from the plain values under
`prometheusRule` (see values.schema.json): a cron job's run alerts, or per SLO its
budget and burn-rate recordings and its alerts. The contract alerts are the
environment's, not a service's: pave writes them once per environment
(`pave-contract-<env>` in the Kubernetes tree). pave's
Kubernetes target writes the same rules (src/observe/rules.rs, cron.rs); the test
suite renders both and compares them object by object.

Every number comes in as a string (thresholds are exact decimals), so nothing here
formats a float. Every helper writes YAML at column 0; callers indent it.
*/ -}}

{{- /* The label matchers of the service's own series. */ -}}
{{- define "pave.rules.selector" -}}
{{- printf "job=%q,namespace=%q,env=%q" .Values.name .Values.namespace .Values.prometheusRule.env -}}
{{- end }}

{{- /*
One alerting rule, unless the environment drops it (no entry in `alerts`).
Arguments: root, alert, runbook (its kebab-case name), expr, summary, description,
and slo (an objective, for its labels) or nothing.
*/ -}}
{{- define "pave.rules.alert" -}}
{{- $v := .root.Values -}}
{{- $r := $v.prometheusRule -}}
{{- with index $r.alerts .alert }}
- alert: {{ $.alert }}
  expr: {{ $.expr | quote }}
  for: {{ .for | quote }}
  labels:
    env: {{ $r.env | quote }}
    namespace: {{ $v.namespace | quote }}
    service: {{ $v.name | quote }}
    severity: {{ .severity | quote }}
    {{- with $.slo }}
    slo_id: {{ .id | quote }}
    slo_name: {{ .name | quote }}
    slo_service: {{ $v.name | quote }}
    {{- end }}
    team: {{ $r.team | quote }}
  annotations:
    summary: {{ $.summary | quote }}
    description: {{ $.description | quote }}
    {{- with $r.runbooks }}
    runbook_url: {{ printf "%s/%s" . $.runbook | quote }}
    {{- end }}
    {{- with $r.dashboardUrl }}
    dashboard_url: {{ . | quote }}
    {{- end }}
{{- end }}
{{- end }}

{{- /* A group: name and the rules' text (empty: no rule). */ -}}
{{- define "pave.rules.group" -}}
- name: {{ .name | quote }}
  rules:
{{- if trim .rules }}
{{- trim .rules | nindent 2 }}
{{- else }} []
{{- end }}
{{- end }}

{{- /* A cron job's run alerts, from kube-state-metrics. */ -}}
{{- define "pave.rules.cron" -}}
{{- $v := .Values -}}
{{- $r := $v.prometheusRule -}}
{{- $name := $v.name -}}
{{- $ns := $v.namespace -}}
{{- $env := $r.env -}}
{{- $cronjob := printf "namespace=%q,cronjob=%q" $ns $name -}}
{{- $owned := printf "max by (namespace) (kube_job_status_start_time{namespace=%q} * on (namespace, job_name) group_left () kube_job_owner{namespace=%q,owner_kind=\"CronJob\",owner_name=%q} and on (namespace, job_name) (kube_job_failed{namespace=%q,condition=\"true\"} == 1 or kube_job_status_failed{namespace=%q} > 0))" $ns $ns $name $ns $ns -}}
{{- $success := printf "max by (namespace) (kube_cronjob_status_last_successful_time{%s})" $cronjob -}}
{{- $rules := list -}}
{{- $rules = append $rules (include "pave.rules.alert" (dict "root" . "alert" "CronJobFailed" "runbook" "cron-job-failed"
  "expr" (printf "%s > on (namespace) %s or (%s unless on (namespace) %s)" $owned $success $owned $success)
  "summary" (printf "%s in %s: the latest run failed" $name $env)
  "description" (printf "A Job of the CronJob %s in namespace %s failed after its last success; `kubectl -n %s get jobs` lists it." $name $ns $ns))) -}}
{{- $rules = append $rules (include "pave.rules.alert" (dict "root" . "alert" "CronJobLate" "runbook" "cron-job-late"
  "expr" (printf "time() - max by (namespace) (kube_cronjob_status_last_successful_time{%s} or kube_cronjob_created{%s}) > %s unless on (namespace) (kube_cronjob_spec_suspend{%s} == 1)" $cronjob $cronjob $r.cron.lateAfterSeconds $cronjob)
  "summary" (printf "%s in %s: no successful run in time" $name $env)
  "description" (printf "The CronJob %s (schedule `%s`) has not succeeded for over %s: its schedule's longest gap between runs plus the margin." $name $v.cron.schedule $r.cron.lateAfter))) -}}
{{- include "pave.rules.group" (dict "name" (printf "%s-cron" $name) "rules" (join "" $rules)) }}
{{- end }}

{{- /*
An SLO's error ratio over a window: the environment's recorded ratio of the service's
series (for latency, one minus the share of requests within the threshold's bucket).
Arguments: root, slo, window.
*/ -}}
{{- define "pave.rules.errorRatio" -}}
{{- $sel := include "pave.rules.selector" .root -}}
{{- if eq .slo.name "availability" -}}
{{- printf "env_namespace_job:slo_requests_errors:ratio_rate%s{%s}" .window $sel -}}
{{- else -}}
{{- printf "1 - max without (le) (env_namespace_job_le:slo_requests_within_le:ratio_rate%s{%s,%s})" .window $sel .slo.le -}}
{{- end -}}
{{- end }}

{{- /* The requests per second over a window. Arguments: root, slo, window. */ -}}
{{- define "pave.rules.requests" -}}
{{- $sel := include "pave.rules.selector" .root -}}
{{- if eq .slo.name "availability" -}}
{{- printf "env_namespace_job:slo_requests:rate%s{%s}" .window $sel -}}
{{- else -}}
{{- printf "sum without (le) (env_namespace_job_le:slo_request_duration_buckets:rate%s{%s,le=\"+Inf\"})" .window $sel -}}
{{- end -}}
{{- end }}

{{- /*
An SLO's burn alert of one urgency: each window pair's condition (both windows above
the pair's threshold, enough requests in the long window), named by `slo_window`,
joined with `or`. Arguments: root, slo, alert, runbook.
*/ -}}
{{- define "pave.rules.burn" -}}
{{- $v := .root.Values -}}
{{- $r := $v.prometheusRule -}}
{{- $s := $r.slo -}}
{{- $o := .slo -}}
{{- $thresholds := index $o.thresholds .alert -}}
{{- $conditions := list -}}
{{- $texts := list -}}
{{- range $i, $p := index $s.pairs .alert -}}
{{- $t := index $thresholds $i -}}
{{- $long := include "pave.rules.errorRatio" (dict "root" $.root "slo" $o "window" $p.long) -}}
{{- $short := include "pave.rules.errorRatio" (dict "root" $.root "slo" $o "window" $p.short) -}}
{{- $requests := include "pave.rules.requests" (dict "root" $.root "slo" $o "window" $p.long) -}}
{{- $conditions = append $conditions (printf "label_replace(max without (job) ((%s) > %s and (%s) > %s and %s * %s >= %s), \"slo_window\", %q, \"\", \"\")" $long $t $short $t $requests $p.longSeconds $s.minEvents $p.window) -}}
{{- $texts = append $texts (printf "%s above %sx (budget gone in %s)" $p.window $p.factor $p.exhaustion) -}}
{{- end -}}
{{- include "pave.rules.alert" (dict "root" .root "alert" .alert "runbook" .runbook "slo" $o
  "expr" (join " or on(env, namespace) " $conditions)
  "summary" (printf "%s in %s: %s SLO error budget burning too fast" $v.name $r.env $o.name)
  "description" (printf "The %s SLO of %s (%s%% over %s) burns its error budget too fast over the {{ $labels.slo_window }} windows. Pairs: %s." $o.name $v.name $o.objective $s.period (join "; " $texts))) -}}
{{- end }}

{{- /* A recording of an SLO, labelled with it. Arguments: root, slo, record, expr. */ -}}
{{- define "pave.rules.recording" -}}
{{- $v := .root.Values -}}
{{- $r := $v.prometheusRule }}
- record: {{ .record | quote }}
  expr: {{ .expr | quote }}
  labels:
    env: {{ $r.env | quote }}
    namespace: {{ $v.namespace | quote }}
    slo_id: {{ .slo.id | quote }}
    slo_name: {{ .slo.name | quote }}
    slo_service: {{ $v.name | quote }}
    team: {{ $r.team | quote }}
{{- end }}

{{- /*
An SLO's group: the budget remaining over the period, the burn rate the environment
dashboard shows, the burn alerts, and the alerts for missing series.
Arguments: root, slo.
*/ -}}
{{- define "pave.rules.slo" -}}
{{- $v := .root.Values -}}
{{- $r := $v.prometheusRule -}}
{{- $s := $r.slo -}}
{{- $o := .slo -}}
{{- $name := $v.name -}}
{{- $env := $r.env -}}
{{- $sel := include "pave.rules.selector" .root -}}
{{- $rules := list -}}
{{- $ratio := include "pave.rules.errorRatio" (dict "root" .root "slo" $o "window" $s.period) -}}
{{- $rules = append $rules (include "pave.rules.recording" (dict "root" .root "slo" $o
  "record" "slo:error_budget_remaining:ratio"
  "expr" (printf "1 - max without (job) (%s) / %s" $ratio $o.budget))) -}}
{{- $ratio = include "pave.rules.errorRatio" (dict "root" .root "slo" $o "window" $s.burnWindow) -}}
{{- $rules = append $rules (include "pave.rules.recording" (dict "root" .root "slo" $o
  "record" (printf "slo:burn_rate:ratio_rate%s" $s.burnWindow)
  "expr" (printf "max without (job) (%s) / %s" $ratio $o.budget))) -}}
{{- $rules = append $rules (include "pave.rules.burn" (dict "root" .root "slo" $o "alert" "SLOFastBurn" "runbook" "slo-fast-burn")) -}}
{{- $rules = append $rules (include "pave.rules.burn" (dict "root" .root "slo" $o "alert" "SLOSlowBurn" "runbook" "slo-slow-burn")) -}}
{{- $series := printf "%s{%s}" $o.metric $sel -}}
{{- if ne $o.name "availability" -}}
{{- $series = printf "%s{%s,le=\"+Inf\"}" $o.metric $sel -}}
{{- end -}}
{{- $rules = append $rules (include "pave.rules.alert" (dict "root" .root "alert" "SLOMetricsAbsent" "runbook" "slo-metrics-absent"
  "expr" (printf "absent(%s)" $series)
  "summary" (printf "%s in %s: no data for the %s SLO" $name $env $o.name)
  "description" (printf "The series the %s SLO of %s is computed from are absent, so its burn-rate alerts cannot fire." $o.name $name))) -}}
{{- if eq $o.name "latency" -}}
{{- $rules = append $rules (include "pave.rules.alert" (dict "root" .root "alert" "SLOLatencyBucketAbsent" "runbook" "slo-latency-bucket-absent"
  "expr" (printf "absent(%s{%s,%s}) unless on() absent(%s)" $o.metric $sel $o.le $series)
  "summary" (printf "%s in %s: no histogram bucket at the latency SLO's %ss" $name $env $o.threshold)
  "description" (printf "%s exposes its latency histogram without a bucket at le=%s, the latency SLO's threshold, so the SLO cannot be computed: add the bucket to the application's histogram." $name $o.threshold))) -}}
{{- end -}}
{{- include "pave.rules.group" (dict "name" (printf "%s-slo-%s" $name $o.name) "rules" (join "" $rules)) }}
{{- end }}

{{- /* Every group, in the Kubernetes target's order. */ -}}
{{- define "pave.rules.groups" -}}
{{- $r := .Values.prometheusRule -}}
{{- if $r.cron }}
{{ include "pave.rules.cron" . }}
{{- end }}
{{- with $r.slo }}
{{- range .objectives }}
{{ include "pave.rules.slo" (dict "root" $ "slo" .) }}
{{- end }}
{{- end }}
{{- end }}
