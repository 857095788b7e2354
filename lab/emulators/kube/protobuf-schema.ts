/**
 * Protobuf field numbers of the kinds kubectl 1.32 sends as protobuf: the
 * typed `kubectl create <kind>` commands, `kubectl auth can-i`, `kubectl
 * create token` and `kubectl auth whoami`. Numbers come from the
 * `protobuf:"..."` struct tags in k8s.io/api (core/v1, apps/v1, rbac/v1,
 * authentication/v1, authorization/v1) and apimachinery's meta/v1. Fields
 * not listed here are skipped when decoding.
 */

export type ScalarType = 'string' | 'bytes' | 'int' | 'bool' | 'time' | 'intOrString' | 'quantity';

export interface FieldSpec {
  name: string;
  type: ScalarType | 'message' | 'map' | 'embedded';
  /** The message name for `message` and `embedded` fields. */
  message?: string;
  /** The value type of a map<string, ...> field. */
  mapValue?: 'string' | 'bytes' | 'quantity';
  repeated?: boolean;
  /** Kept when zero or false: a pointer field in Go, where zero differs from unset. */
  keepZero?: boolean;
}

type Fields = Record<number, FieldSpec>;

const s = (name: string, repeated = false): FieldSpec => ({ name, type: 'string', repeated });
const int = (name: string): FieldSpec => ({ name, type: 'int' });
const bool = (name: string): FieldSpec => ({ name, type: 'bool' });
const pointer = (spec: FieldSpec): FieldSpec => ({ ...spec, keepZero: true });
const msg = (name: string, message: string, repeated = false): FieldSpec => ({
  name,
  type: 'message',
  message,
  repeated,
});
const map = (name: string, mapValue: FieldSpec['mapValue'] = 'string'): FieldSpec => ({
  name,
  type: 'map',
  mapValue,
});
const embedded = (message: string): FieldSpec => ({ name: '', type: 'embedded', message });

export const MESSAGES: Record<string, Fields> = {
  ObjectMeta: {
    1: s('name'),
    2: s('generateName'),
    3: s('namespace'),
    5: s('uid'),
    6: s('resourceVersion'),
    7: int('generation'),
    8: { name: 'creationTimestamp', type: 'time' },
    11: map('labels'),
    12: map('annotations'),
    13: msg('ownerReferences', 'OwnerReference', true),
    14: s('finalizers', true),
  },
  OwnerReference: {
    1: s('kind'),
    3: s('name'),
    4: s('uid'),
    5: s('apiVersion'),
    6: bool('controller'),
    7: bool('blockOwnerDeletion'),
  },
  ObjectReference: {
    1: s('kind'),
    2: s('namespace'),
    3: s('name'),
    4: s('uid'),
    5: s('apiVersion'),
    6: s('resourceVersion'),
    7: s('fieldPath'),
  },
  LocalObjectReference: { 1: s('name') },
  LabelSelector: {
    1: map('matchLabels'),
    2: msg('matchExpressions', 'LabelSelectorRequirement', true),
  },
  LabelSelectorRequirement: { 1: s('key'), 2: s('operator'), 3: s('values', true) },

  Namespace: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'NamespaceSpec') },
  NamespaceSpec: { 1: s('finalizers', true) },
  ServiceAccount: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('secrets', 'ObjectReference', true),
    3: msg('imagePullSecrets', 'LocalObjectReference', true),
    4: pointer(bool('automountServiceAccountToken')),
  },
  Secret: {
    1: msg('metadata', 'ObjectMeta'),
    2: map('data', 'bytes'),
    3: s('type'),
    4: map('stringData'),
    5: pointer(bool('immutable')),
  },
  ConfigMap: {
    1: msg('metadata', 'ObjectMeta'),
    2: map('data'),
    3: map('binaryData', 'bytes'),
    4: pointer(bool('immutable')),
  },

  Service: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'ServiceSpec') },
  ServiceSpec: {
    1: msg('ports', 'ServicePort', true),
    2: map('selector'),
    3: s('clusterIP'),
    4: s('type'),
    5: s('externalIPs', true),
    7: s('sessionAffinity'),
    10: s('externalName'),
  },
  ServicePort: {
    1: s('name'),
    2: s('protocol'),
    3: int('port'),
    4: { name: 'targetPort', type: 'intOrString' },
    5: int('nodePort'),
  },

  Pod: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'PodSpec') },
  PodTemplateSpec: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'PodSpec') },
  PodSpec: {
    1: msg('volumes', 'Volume', true),
    2: msg('containers', 'Container', true),
    3: s('restartPolicy'),
    4: int('terminationGracePeriodSeconds'),
    6: s('dnsPolicy'),
    7: map('nodeSelector'),
    8: s('serviceAccountName'),
    9: s('serviceAccount'),
    10: s('nodeName'),
    15: msg('imagePullSecrets', 'LocalObjectReference', true),
    19: s('schedulerName'),
    20: msg('initContainers', 'Container', true),
    21: pointer(bool('automountServiceAccountToken')),
  },
  Volume: { 1: s('name'), 2: embedded('VolumeSource') },
  VolumeSource: {
    2: msg('emptyDir', 'EmptyDirVolumeSource'),
    6: msg('secret', 'SecretVolumeSource'),
    19: msg('configMap', 'ConfigMapVolumeSource'),
  },
  EmptyDirVolumeSource: { 1: s('medium'), 2: { name: 'sizeLimit', type: 'quantity' } },
  SecretVolumeSource: { 1: s('secretName'), 3: int('defaultMode'), 4: pointer(bool('optional')) },
  ConfigMapVolumeSource: {
    1: embedded('LocalObjectReference'),
    3: int('defaultMode'),
    4: pointer(bool('optional')),
  },
  Container: {
    1: s('name'),
    2: s('image'),
    3: s('command', true),
    4: s('args', true),
    5: s('workingDir'),
    6: msg('ports', 'ContainerPort', true),
    7: msg('env', 'EnvVar', true),
    8: msg('resources', 'ResourceRequirements'),
    9: msg('volumeMounts', 'VolumeMount', true),
    13: s('terminationMessagePath'),
    14: s('imagePullPolicy'),
    19: msg('envFrom', 'EnvFromSource', true),
  },
  ContainerPort: {
    1: s('name'),
    2: int('hostPort'),
    3: int('containerPort'),
    4: s('protocol'),
    5: s('hostIP'),
  },
  EnvVar: { 1: s('name'), 2: s('value'), 3: msg('valueFrom', 'EnvVarSource') },
  EnvVarSource: { 3: msg('configMapKeyRef', 'KeySelector'), 4: msg('secretKeyRef', 'KeySelector') },
  KeySelector: { 1: embedded('LocalObjectReference'), 2: s('key'), 3: pointer(bool('optional')) },
  EnvFromSource: {
    1: s('prefix'),
    2: msg('configMapRef', 'EnvFromReference'),
    3: msg('secretRef', 'EnvFromReference'),
  },
  EnvFromReference: { 1: embedded('LocalObjectReference'), 2: pointer(bool('optional')) },
  ResourceRequirements: { 1: map('limits', 'quantity'), 2: map('requests', 'quantity') },
  VolumeMount: { 1: s('name'), 2: bool('readOnly'), 3: s('mountPath'), 4: s('subPath') },

  Deployment: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'DeploymentSpec') },
  DeploymentSpec: {
    1: pointer(int('replicas')),
    2: msg('selector', 'LabelSelector'),
    3: msg('template', 'PodTemplateSpec'),
    4: msg('strategy', 'DeploymentStrategy'),
    5: int('minReadySeconds'),
    6: int('revisionHistoryLimit'),
    7: bool('paused'),
    9: int('progressDeadlineSeconds'),
  },
  DeploymentStrategy: { 1: s('type'), 2: msg('rollingUpdate', 'RollingUpdateDeployment') },
  RollingUpdateDeployment: {
    1: { name: 'maxUnavailable', type: 'intOrString' },
    2: { name: 'maxSurge', type: 'intOrString' },
  },

  PolicyRule: {
    1: s('verbs', true),
    2: s('apiGroups', true),
    3: s('resources', true),
    4: s('resourceNames', true),
    5: s('nonResourceURLs', true),
  },
  AggregationRule: { 1: msg('clusterRoleSelectors', 'LabelSelector', true) },
  Role: { 1: msg('metadata', 'ObjectMeta'), 2: msg('rules', 'PolicyRule', true) },
  ClusterRole: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('rules', 'PolicyRule', true),
    3: msg('aggregationRule', 'AggregationRule'),
  },
  Subject: { 1: s('kind'), 2: s('apiGroup'), 3: s('name'), 4: s('namespace') },
  RoleRef: { 1: s('apiGroup'), 2: s('kind'), 3: s('name') },
  RoleBinding: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('subjects', 'Subject', true),
    3: msg('roleRef', 'RoleRef'),
  },
  ClusterRoleBinding: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('subjects', 'Subject', true),
    3: msg('roleRef', 'RoleRef'),
  },

  ResourceAttributes: {
    1: s('namespace'),
    2: s('verb'),
    3: s('group'),
    4: s('version'),
    5: s('resource'),
    6: s('subresource'),
    7: s('name'),
  },
  NonResourceAttributes: { 1: s('path'), 2: s('verb') },
  SelfSubjectAccessReview: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'SelfSubjectAccessReviewSpec'),
  },
  SelfSubjectAccessReviewSpec: {
    1: msg('resourceAttributes', 'ResourceAttributes'),
    2: msg('nonResourceAttributes', 'NonResourceAttributes'),
  },
  SubjectAccessReview: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'SubjectAccessReviewSpec'),
  },
  LocalSubjectAccessReview: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'SubjectAccessReviewSpec'),
  },
  SubjectAccessReviewSpec: {
    1: msg('resourceAttributes', 'ResourceAttributes'),
    2: msg('nonResourceAttributes', 'NonResourceAttributes'),
    3: s('user'),
    4: s('groups', true),
    6: s('uid'),
  },
  SelfSubjectRulesReview: {
    1: msg('metadata', 'ObjectMeta'),
    2: msg('spec', 'SelfSubjectRulesReviewSpec'),
  },
  SelfSubjectRulesReviewSpec: { 1: s('namespace') },
  SelfSubjectReview: { 1: msg('metadata', 'ObjectMeta') },
  TokenRequest: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'TokenRequestSpec') },
  TokenRequestSpec: {
    1: s('audiences', true),
    3: msg('boundObjectRef', 'BoundObjectReference'),
    4: int('expirationSeconds'),
  },
  BoundObjectReference: { 1: s('kind'), 2: s('apiVersion'), 3: s('name'), 4: s('uid') },
  TokenReview: { 1: msg('metadata', 'ObjectMeta'), 2: msg('spec', 'TokenReviewSpec') },
  TokenReviewSpec: { 1: s('token'), 2: s('audiences', true) },
};

/** Top-level kinds this server decodes from protobuf. */
export const PROTOBUF_KINDS = [
  'Namespace',
  'ServiceAccount',
  'Secret',
  'ConfigMap',
  'Service',
  'Pod',
  'Deployment',
  'Role',
  'ClusterRole',
  'RoleBinding',
  'ClusterRoleBinding',
  'SelfSubjectAccessReview',
  'SelfSubjectRulesReview',
  'SubjectAccessReview',
  'LocalSubjectAccessReview',
  'SelfSubjectReview',
  'TokenRequest',
  'TokenReview',
];
