import { Alert, Checkbox, Form, Input, Modal, Select, Space, Typography } from 'antd';
import { useEffect, useState } from 'react';
import {
  MEASURE_KINDS,
  MEASURE_LABELS,
  RISK_LEVEL_LABELS,
  ZONING_LIMITS,
  type AreaDetailDto,
  type MeasureKind,
  type RiskLevel,
} from '../../../../common/zoning.js';
import { formatTime } from '../../../app/format.js';
import { ApiError } from '../../../app/http.js';
import { useI18n } from '../../../app/i18n.js';
import { useAction } from '../../../app/use-action.js';
import { JurisdictionSearch } from '../../../components/jurisdiction-search.js';
import { zoningApi } from '../api.js';
import { pickHalf, showText } from '../../../app/bilingual.js';
import { useZoningErrorText } from '../errors.js';
import { rulesFor } from '../../../app/form-rules.js';

/** Refusals of a step that the commander may overrule with a recorded reason. */
const OVERRIDABLE = new Set(['ZONING_ACTIVE_CASE_INSIDE', 'ZONING_STEP_NOT_DUE', 'ZONING_NO_STEP']);

/**
 * Steps a published area down or lifts it (POST …/step). A refusal the rules allow overruling —
 * an active case still inside, or the step not due yet — is shown with its numbers, and the
 * form then asks for an override reason (journaled). A step without its negative lifting round
 * (the campaign's results) or, for a low area, before the county is clear is refused with the
 * round's numbers or the areas still standing; neither can be overruled.
 */
export function StepModal({ area, open, onClose, onDone }: { area: AreaDetailDto; open: boolean; onClose(): void; onDone(a: AreaDetailDto): void }) {
  const { t, lang, label } = useI18n();
  const errorText = useZoningErrorText();
  const [form] = Form.useForm<{ reason?: string }>();
  const [busy, setBusy] = useState(false);
  const [refusal, setRefusal] = useState<{ code: string; text: string; detail: string | null } | null>(null);
  useEffect(() => {
    if (open) setRefusal(null);
  }, [open, area]);
  const next = area.schedule?.next;
  const to = !next || next.to === 'lifted' ? t('zoning.lifted') : label(RISK_LEVEL_LABELS[next.to]);
  const override = !!refusal && OVERRIDABLE.has(refusal.code);

  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    try {
      const done = await zoningApi.step(area.id, {
        ...(override ? { override: true, reason: v.reason?.trim() } : {}),
      });
      onDone(done);
    } catch (err) {
      const d = err instanceof ApiError ? (err.details as { cases?: number | unknown[]; dueAt?: number; explanation?: string } | null) : null;
      const cases = typeof d?.cases === 'number' ? d.cases : Array.isArray(d?.cases) ? d.cases.length : null;
      const detail =
        err instanceof ApiError && err.code === 'ZONING_STEP_NOT_DUE' && typeof d?.dueAt === 'number'
          ? `${t('zoning.nextStep')}: ${formatTime(d.dueAt, lang)}`
          : err instanceof ApiError && err.code === 'ZONING_ACTIVE_CASE_INSIDE' && cases !== null
            ? `${t('zoning.activeCasesInside')}: ${cases}`
            : err instanceof ApiError &&
                (err.code === 'ZONING_NEGATIVE_ROUND_REQUIRED' || err.code === 'ZONING_COUNTY_NOT_CLEAR') &&
                typeof d?.explanation === 'string'
              ? pickHalf(d.explanation, lang)
              : null;
      setRefusal({ code: err instanceof ApiError ? err.code : 'CLIENT', text: errorText(err), detail });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal
      open={open}
      title={t('zoning.liftTitle')}
      okText={override ? t('zoning.override') : t('common.confirm')}
      cancelText={t('common.cancel')}
      okButtonProps={{ danger: override, loading: busy, 'data-testid': 'step-submit' } as never}
      onOk={submit}
      onCancel={onClose}
      destroyOnHidden
    >
      <Typography.Paragraph>
        {t('zoning.liftTo')}: <strong data-testid="step-to">{to}</strong>
      </Typography.Paragraph>
      {refusal && (
        <Alert
          type={override ? 'warning' : 'error'}
          showIcon
          title={refusal.text}
          description={
            <Space orientation="vertical" size={0}>
              {refusal.detail && <span>{refusal.detail}</span>}
              {override && <span>{t('zoning.overrideHint')}</span>}
            </Space>
          }
          style={{ marginBottom: 12 }}
          data-testid="step-refusal"
          data-code={refusal.code}
        />
      )}
      <Form form={form} layout="vertical" preserve={false} data-testid="step-form">
        {override && (
          <Form.Item
            name="reason"
            label={t('zoning.overrideReason')}
            rules={rulesFor(ZONING_LIMITS.reason, { required: true, message: t('common.reasonRequired') })}
          >
            <Input.TextArea rows={3} maxLength={ZONING_LIMITS.reason} data-testid="override-reason" />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

/**
 * Publishes a proposal (the publisher's approval). When the detector flags it, the justification
 * for keeping an area wider than the evidence is asked for up front and recorded with it.
 */
export function PublishModal({ area, open, onClose, onDone }: { area: AreaDetailDto; open: boolean; onClose(): void; onDone(a: AreaDetailDto): void }) {
  const { t, lang } = useI18n();
  const errorText = useZoningErrorText();
  const [form] = Form.useForm<{ note?: string; justification?: string }>();
  const [needsJustification, setNeedsJustification] = useState(false);
  const publish = useAction(
    (v: { note?: string; justification?: string }) =>
      zoningApi.publish(area.id, {
        ...(v.note?.trim() ? { note: v.note.trim() } : {}),
        ...(v.justification?.trim() ? { justification: v.justification.trim() } : {}),
      }),
    {
      onError: (err) => {
        if (err.code === 'ZONING_JUSTIFICATION_REQUIRED') setNeedsJustification(true);
      },
    },
  );
  const { reset } = publish;
  const busy = publish.busy;
  const error = publish.error ? errorText(publish.error) : null;
  useEffect(() => {
    if (open) {
      reset();
      setNeedsJustification(!!area.detector?.flagged);
    }
  }, [open, area, reset]);
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const done = await publish.run(v);
    if (done) onDone(done);
  };
  return (
    <Modal
      open={open}
      title={t('zoning.publish')}
      okText={t('zoning.publish')}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: busy, 'data-testid': 'publish-submit' } as never}
      onOk={submit}
      onCancel={onClose}
      destroyOnHidden
    >
      <Alert type="info" showIcon title={t('zoning.publishNote')} style={{ marginBottom: 12 }} />
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="publish-error" />}
      {needsJustification && area.detector && (
        <Alert
          type="warning"
          showIcon
          title={t('zoning.justifyTitle')}
          description={area.detector.flags.map((f) => showText(lang, f.message, f.messageKey, f.messageParams)).join('；')}
          style={{ marginBottom: 12 }}
        />
      )}
      <Form form={form} layout="vertical" preserve={false} data-testid="publish-form">
        {needsJustification && (
          <Form.Item
            name="justification"
            label={t('zoning.justification')}
            rules={rulesFor(ZONING_LIMITS.justification, { required: true, message: t('common.required') })}
          >
            <Input.TextArea rows={3} maxLength={ZONING_LIMITS.justification} />
          </Form.Item>
        )}
        <Form.Item name="note" label={t('common.note')} rules={rulesFor(ZONING_LIMITS.note)}>
          <Input.TextArea rows={2} maxLength={ZONING_LIMITS.note} />
        </Form.Item>
      </Form>
    </Modal>
  );
}

interface AdjustValues {
  name: string;
  level: RiskLevel;
  measures: MeasureKind[];
  add?: string[];
  remove?: string[];
  reason: string;
}

/**
 * Adjusts a proposal before publishing: its name, a level among the ACTIVE preset's levels, the
 * measures, places added or taken out. The reason goes to the journal.
 */
export function AdjustModal({
  area,
  levels,
  open,
  onClose,
  onDone,
}: {
  area: AreaDetailDto;
  levels: readonly RiskLevel[];
  open: boolean;
  onClose(): void;
  onDone(a: AreaDetailDto): void;
}) {
  const { t, label } = useI18n();
  const errorText = useZoningErrorText();
  const [form] = Form.useForm<AdjustValues>();
  const adjust = useAction((v: AdjustValues) =>
    zoningApi.adjust(area.id, {
      ...(v.name.trim() !== area.name ? { name: v.name.trim() } : {}),
      ...(v.level !== area.level ? { level: v.level } : {}),
      measures: v.measures,
      ...(v.add?.length ? { addJurisdictionIds: v.add } : {}),
      ...(v.remove?.length ? { removeJurisdictionIds: v.remove } : {}),
      reason: v.reason.trim(),
    }),
  );
  const busy = adjust.busy;
  const error = adjust.error ? errorText(adjust.error) : null;
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const done = await adjust.run(v);
    if (done) onDone(done);
  };
  return (
    <Modal
      open={open}
      title={t('zoning.reviewTitle')}
      okText={t('zoning.saveChanges')}
      cancelText={t('common.cancel')}
      okButtonProps={{ loading: busy, 'data-testid': 'adjust-submit' } as never}
      onOk={submit}
      onCancel={onClose}
      destroyOnHidden
      width={640}
    >
      <Alert type="info" showIcon title={t('zoning.reviewHint')} style={{ marginBottom: 12 }} />
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="adjust-error" />}
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{ name: area.name, level: area.level, measures: area.measures }}
        data-testid="adjust-form"
      >
        <Form.Item name="name" label={t('zoning.name')} rules={rulesFor(ZONING_LIMITS.name, { required: true, message: t('common.required') })}>
          <Input />
        </Form.Item>
        <Form.Item name="level" label={t('zoning.level')} rules={[{ required: true, message: t('zoning.levelRequired') }]}>
          <Select data-testid="adjust-level" options={levels.map((l) => ({ value: l, label: label(RISK_LEVEL_LABELS[l]) }))} />
        </Form.Item>
        <Form.Item name="measures" label={t('zoning.measures')}>
          <Checkbox.Group options={MEASURE_KINDS.map((m) => ({ value: m, label: label(MEASURE_LABELS[m]) }))} />
        </Form.Item>
        <Form.Item name="add" label={t('zoning.addNodes')}>
          <JurisdictionSearch multiple levels={['compound', 'building', 'entrance']} placeholder={t('zoning.pickNodes')} data-testid="adjust-add" />
        </Form.Item>
        <Form.Item name="remove" label={t('zoning.removeNodes')}>
          <Select mode="multiple" allowClear options={area.nodes.map((n) => ({ value: n.jurisdictionId, label: n.name }))} data-testid="adjust-remove" />
        </Form.Item>
        <Form.Item name="reason" label={t('common.reason')} rules={rulesFor(ZONING_LIMITS.reason, { required: true, message: t('common.reasonRequired') })}>
          <Input.TextArea rows={2} maxLength={ZONING_LIMITS.reason} />
        </Form.Item>
      </Form>
    </Modal>
  );
}
