{{- /*
The service's Prometheus rule groups, built from the plain values under
`prometheusRule` (see values.schema.json): a cron job's run alerts, or one error
budget recording per SLO. The contract alerts and the SLOs' burn rates and alerts
are the environment's, not a service's: pave writes them once per environment
(`pave-contract-<platform>-<env>` and `pave-slo-<platform>-<env>` in the Kubernetes tree), and they join
these budgets for each SLO's labels and budget. pave's
Kubernetes target writes the same rules (src/observe/rules.rs, cron.rs); the test
suite renders both and compares them object by object.

Every number comes in as a string (budgets are exact decimals), so nothing here
formats a float. Every helper writes YAML at column 0; callers indent it.
*/ -}}

{{- /*
One alerting rule, unless the environment drops it (no entry in `alerts`).
Arguments: root, alert, runbook (its kebab-case name), expr, summary, description.
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
One SLO's error budget recording (1 - its objective), labelled with who it is, what
the environment's rules join on and carry to the alerts. Arguments: root, slo.
*/ -}}
{{- define "pave.rules.budget" -}}
{{- $v := .root.Values -}}
{{- $r := $v.prometheusRule -}}
{{- $s := $r.slo }}
- record: "pave:slo_error_budget:ratio"
  expr: {{ printf "vector(%s)" .slo.budget | quote }}
  labels:
    {{- if $s.dashboardLabel }}
    dashboard_url: {{ $r.dashboardUrl | quote }}
    {{- end }}
    env: {{ $r.env | quote }}
    job: {{ $v.name | quote }}
    {{- with .slo.le }}
    le: {{ . | quote }}
    {{- end }}
    namespace: {{ $v.namespace | quote }}
    pave_platform: {{ $s.platform | quote }}
    service: {{ $v.name | quote }}
    slo_id: {{ .slo.id | quote }}
    slo_name: {{ .slo.name | quote }}
    slo_objective: {{ .slo.objective | quote }}
    slo_service: {{ $v.name | quote }}
    team: {{ $r.team | quote }}
{{- end }}

{{- /* Every group, in the Kubernetes target's order. */ -}}
{{- define "pave.rules.groups" -}}
{{- $r := .Values.prometheusRule -}}
{{- if $r.cron }}
{{ include "pave.rules.cron" . }}
{{- end }}
{{- with $r.slo }}
{{- $rules := list -}}
{{- range .objectives }}
{{- $rules = append $rules (include "pave.rules.budget" (dict "root" $ "slo" .)) -}}
{{- end }}
{{ include "pave.rules.group" (dict "name" (printf "%s-slo" $.Values.name) "rules" (join "" $rules)) }}
{{- end }}
{{- end }}
