{{- /* The pod template every workload kind shares: Deployment and CronJob. */ -}}
{{- define "pave.podTemplate" -}}
metadata:
  labels: {{- toYaml (.Values.podLabels | default .Values.labels) | nindent 4 }}
  {{- with .Values.podAnnotations }}
  annotations: {{- toYaml . | nindent 4 }}
  {{- end }}
spec:
  serviceAccountName: {{ .Values.name }}
  automountServiceAccountToken: false
  {{- if .Values.cron }}
  restartPolicy: OnFailure
  {{- end }}
  securityContext: {{- toYaml .Values.podSecurityContext | nindent 4 }}
  {{- if .Values.spread }}
  topologySpreadConstraints:
  {{- range list "topology.kubernetes.io/zone" "kubernetes.io/hostname" }}
  - maxSkew: 1
    topologyKey: {{ . }}
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels: {{- toYaml $.Values.selector | nindent 8 }}
    matchLabelKeys:
    - pod-template-hash
  {{- end }}
  {{- end }}
  {{- with .Values.nodeSelector }}
  nodeSelector: {{- toYaml . | nindent 4 }}
  {{- end }}
  {{- with .Values.tolerations }}
  tolerations: {{- toYaml . | nindent 2 }}
  {{- end }}
  {{- with .Values.imagePullSecrets }}
  imagePullSecrets: {{- toYaml . | nindent 2 }}
  {{- end }}
  {{- with .Values.initContainers }}
  initContainers: {{- toYaml . | nindent 2 }}
  {{- end }}
  containers:
  - name: {{ .Values.name }}
    image: {{ .Values.image | quote }}
    {{- with .Values.command }}
    command: {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with .Values.args }}
    args: {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- with .Values.ports }}
    ports: {{- toYaml . | nindent 4 }}
    {{- end }}
    {{- if .Values.env }}
    envFrom:
    - configMapRef:
        name: {{ .Values.name }}-env
    {{- end }}
    {{- if or .Values.secretEnv .Values.dependentEnv }}
    env:
    {{- range .Values.secretEnv }}
    - name: {{ .name }}
      valueFrom:
        secretKeyRef:
          name: {{ .secret }}
          key: {{ .key | quote }}
    {{- end }}
    {{- range .Values.dependentEnv }}
    - name: {{ .name }}
      value: {{ .value | quote }}
    {{- end }}
    {{- end }}
    resources: {{- toYaml .Values.resources | nindent 6 }}
    {{- with .Values.probes.readiness }}
    readinessProbe: {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .Values.probes.liveness }}
    livenessProbe: {{- toYaml . | nindent 6 }}
    {{- end }}
    {{- with .Values.probes.startup }}
    startupProbe: {{- toYaml . | nindent 6 }}
    {{- end }}
    securityContext:
      allowPrivilegeEscalation: false
      readOnlyRootFilesystem: true
      runAsNonRoot: true
      capabilities:
        drop:
        - ALL
      seccompProfile:
        type: RuntimeDefault
    volumeMounts: {{- toYaml .Values.volumeMounts | nindent 4 }}
  {{- with .Values.sidecars }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
  volumes: {{- toYaml .Values.volumes | nindent 2 }}
{{- end }}
