import { HomeOutlined } from '@ant-design/icons';
import { Alert, App, Button, DatePicker, Descriptions, Form, Input, Modal, Radio, Select, Space, Spin, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useMemo, useState } from 'react';
import { uuid } from '../../../app/http.js';
import { useI18n } from '../../../app/i18n.js';
import { useSession } from '../../../app/session.js';
import { hasFreeBed, quarantineApi, type ContactCategory, type FacilityDetailDto, type FacilityDto, type QuarantineMode, type StayPlanDto } from '../api.js';
import { useQuarantineErrorText } from '../errors.js';

export interface AssignQuarantineButtonProps {
  personId: string;
  /** The contact link this rests on (依据); without one the assignment is a manual review. */
  contactId?: string;
  /** The contact's category, when known (default close contact). */
  category?: ContactCategory;
  onDone?: () => void;
  /** Button size (default small, as on table rows). */
  size?: 'small' | 'middle';
}

interface Values {
  mode: QuarantineMode;
  category: ContactCategory;
  facilityId?: string;
  roomId?: string;
  exposureDate?: Dayjs | null;
  reason: string;
}

/** The stay the active preset gives (phases, end date, test days), shown before saving. */
export function PlanPreview({ plan, loading, error }: { plan: StayPlanDto | null; loading: boolean; error: string | null }) {
  const { t } = useI18n();
  if (error) return <Alert type="warning" showIcon title={error} />;
  if (!plan) return <Spin size="small" description={t('quarantine.planLoading')} />;
  return (
    <Descriptions size="small" column={1} bordered data-testid="assign-quarantine-plan" style={{ opacity: loading ? 0.5 : 1 }}>
      <Descriptions.Item label={t('quarantine.plan')}>
        {plan.preset.name} <Typography.Text type="secondary">({plan.preset.version} · {t(plan.firstDay === 0 ? 'quarantine.firstDay0' : 'quarantine.firstDay1')})</Typography.Text>
      </Descriptions.Item>
      <Descriptions.Item label={t('quarantine.exposureDate')}>{plan.exposureDay}</Descriptions.Item>
      <Descriptions.Item label={t('quarantine.phase')}>
        <Space orientation="vertical" size={0}>
          {plan.phases.map((p) => (
            <span key={p.phase}>{t('quarantine.phaseDays', { phase: t(`quarantine.phase.${p.phase}`), days: p.days, last: p.lastDay })}</span>
          ))}
        </Space>
      </Descriptions.Item>
      <Descriptions.Item label={t('quarantine.endDay')}>
        <strong data-testid="assign-quarantine-end">{plan.endDay}</strong> <Typography.Text type="secondary">{t('quarantine.totalDays', { n: plan.totalDays })}</Typography.Text>
      </Descriptions.Item>
      <Descriptions.Item label={t('quarantine.testDays')}>
        <Space wrap size={[4, 4]} data-testid="assign-quarantine-tests">
          {plan.tests.length ? plan.tests.map((x) => <Tag key={x.day} color="blue">{t('quarantine.testDay', { day: x.day, date: x.date.slice(5) })}</Tag>) : '—'}
        </Space>
      </Descriptions.Item>
    </Descriptions>
  );
}

/**
 * "安排隔离": assigns a person to central quarantine (a facility, then a free room or the first free
 * one) or home quarantine, under the active protocol preset. The dialog shows the computed phases,
 * end date and test days before saving; the server computes the same stay from the same preset.
 */
export function AssignQuarantineButton({ personId, contactId, category, onDone, size = 'small' }: AssignQuarantineButtonProps) {
  const { t } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useQuarantineErrorText();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<Values>();
  const mode = Form.useWatch('mode', form) ?? 'central';
  const cat = Form.useWatch('category', form) ?? category ?? 'close';
  const exposure = Form.useWatch('exposureDate', form);
  const facilityId = Form.useWatch('facilityId', form);
  const [facilities, setFacilities] = useState<FacilityDto[] | null>(null);
  const [facility, setFacility] = useState<FacilityDetailDto | null>(null);
  const [plan, setPlan] = useState<StayPlanDto | null>(null);
  const [planLoading, setPlanLoading] = useState(false);
  const [planError, setPlanError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [manualId] = useState(uuid);
  const exposureDate = exposure ? exposure.format('YYYY-MM-DD') : undefined;

  // Facilities in scope, in service, when the dialog opens.
  useEffect(() => {
    if (!open) return;
    const ac = new AbortController();
    quarantineApi.facilities({ active: 'true', pageSize: 200 }, ac.signal).then((r) => setFacilities(r.items), (e) => !ac.signal.aborted && setError(errorText(e)));
    return () => ac.abort();
  }, [open]); // eslint-disable-line react-hooks/exhaustive-deps

  // Rooms of the chosen facility.
  useEffect(() => {
    setFacility(null);
    if (!open || !facilityId) return;
    const ac = new AbortController();
    quarantineApi.facility(facilityId, ac.signal).then(setFacility, (e) => !ac.signal.aborted && setError(errorText(e)));
    return () => ac.abort();
  }, [open, facilityId]); // eslint-disable-line react-hooks/exhaustive-deps

  // The stay the preset gives for this mode, category and exposure day.
  useEffect(() => {
    if (!open) return;
    const ac = new AbortController();
    setPlanLoading(true);
    setPlanError(null);
    quarantineApi
      .plan({ mode, category: cat, exposureDate }, ac.signal)
      .then(setPlan, (e) => !ac.signal.aborted && (setPlan(null), setPlanError(errorText(e))))
      .finally(() => !ac.signal.aborted && setPlanLoading(false));
    return () => ac.abort();
  }, [open, mode, cat, exposureDate]); // eslint-disable-line react-hooks/exhaustive-deps

  const freeRooms = useMemo(() => (facility?.rooms ?? []).filter(hasFreeBed), [facility]);
  // A free room, or a shared room below capacity (the server has the last word: QUARANTINE_NO_FREE_ROOM).
  const mayTake = (f: FacilityDto) => f.occupancy.roomsAvailable > 0 || f.occupancy.occupants < f.occupancy.bedsTotal;
  const withRoom = (facilities ?? []).filter(mayTake);

  if (!can('quarantine.manage')) return null;

  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    setError(null);
    try {
      await quarantineApi.assign({
        personId,
        mode: v.mode,
        category: v.category,
        ...(v.mode === 'central' ? { facilityId: v.facilityId, roomId: v.roomId || null } : {}),
        basis: contactId ? { type: 'contact', id: contactId } : { type: 'manual_review', id: manualId },
        reason: v.reason.trim(),
        ...(v.exposureDate ? { exposureDate: v.exposureDate.format('YYYY-MM-DD') } : {}),
      });
      message.success(t('quarantine.assigned'));
      setOpen(false);
      onDone?.();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button size={size} icon={<HomeOutlined />} onClick={() => (setError(null), setOpen(true))} data-testid="assign-quarantine">
        {t('quarantine.assign')}
      </Button>
      <Modal
        open={open}
        title={t('quarantine.assignTitle')}
        okText={t('quarantine.assign')}
        cancelText={t('common.cancel')}
        okButtonProps={{ loading: busy, disabled: !!planError, 'data-testid': 'assign-quarantine-submit' } as never}
        onOk={submit}
        onCancel={() => setOpen(false)}
        destroyOnHidden
        width={560}
      >
        {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="assign-quarantine-error" />}
        <Form form={form} layout="vertical" preserve={false} initialValues={{ mode: 'central', category: category ?? 'close', reason: t('quarantine.defaultReason') }} data-testid="assign-quarantine-form">
          <Space size="large" wrap>
            <Form.Item name="mode" label={t('quarantine.mode')}>
              <Radio.Group optionType="button" data-testid="assign-quarantine-mode">
                <Radio.Button value="central"><span data-testid="assign-quarantine-central">{t('quarantine.mode.central')}</span></Radio.Button>
                <Radio.Button value="home"><span data-testid="assign-quarantine-home">{t('quarantine.mode.home')}</span></Radio.Button>
              </Radio.Group>
            </Form.Item>
            <Form.Item name="category" label={t('quarantine.category')}>
              <Radio.Group optionType="button" data-testid="assign-quarantine-category">
                <Radio.Button value="close">{t('quarantine.category.close')}</Radio.Button>
                <Radio.Button value="secondary">{t('quarantine.category.secondary')}</Radio.Button>
              </Radio.Group>
            </Form.Item>
          </Space>
          {mode === 'central' && (
            <Space style={{ display: 'flex' }} align="start" wrap>
              <Form.Item name="facilityId" label={t('quarantine.facility')} rules={[{ required: true, message: t('common.required') }]} style={{ minWidth: 280 }}>
                <Select
                  data-testid="assign-quarantine-facility"
                  loading={!facilities}
                  placeholder={facilities && !withRoom.length ? t('quarantine.noFreeFacility') : undefined}
                  onChange={() => form.setFieldValue('roomId', undefined)}
                  options={withRoom.map((f) => ({ value: f.id, label: `${f.name}（${t('quarantine.freeRooms', { n: f.occupancy.roomsAvailable })}）` }))}
                  showSearch={{ optionFilterProp: 'label' }}
                />
              </Form.Item>
              <Form.Item name="roomId" label={t('quarantine.room')} style={{ minWidth: 200 }}>
                <Select
                  data-testid="assign-quarantine-room"
                  allowClear
                  disabled={!facilityId}
                  loading={!!facilityId && !facility}
                  placeholder={t('quarantine.roomAuto')}
                  options={freeRooms.map((r) => ({ value: r.id, label: `${r.number}${r.capacity > 1 ? ` (${r.occupants}/${r.capacity})` : ''} · ${r.floor}F` }))}
                  showSearch={{ optionFilterProp: 'label' }}
                />
              </Form.Item>
            </Space>
          )}
          <Space style={{ display: 'flex' }} align="start" wrap>
            <Form.Item name="exposureDate" label={t('quarantine.exposureDate')}>
              <DatePicker data-testid="assign-quarantine-exposure" placeholder={plan?.exposureDay} />
            </Form.Item>
            <Form.Item name="reason" label={t('quarantine.reason')} rules={[{ required: true, whitespace: true, message: t('common.reasonRequired') }]} style={{ minWidth: 280 }}>
              <Input maxLength={1000} data-testid="assign-quarantine-reason" />
            </Form.Item>
          </Space>
        </Form>
        <PlanPreview plan={plan} loading={planLoading} error={planError} />
      </Modal>
    </>
  );
}
