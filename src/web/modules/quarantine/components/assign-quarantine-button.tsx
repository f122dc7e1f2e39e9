import { HomeOutlined } from '@ant-design/icons';
import { Alert, App, Button, DatePicker, Descriptions, Form, Input, Modal, Radio, Select, Space, Spin, Tag, Typography } from 'antd';
import type { Dayjs } from 'dayjs';
import { useEffect, useMemo, useState } from 'react';
import dayjs from 'dayjs';
import type { ContactDto } from '../../../../common/cases.js';
import { casesApi } from '../../cases/api.js';
import { useI18n } from '../../../app/i18n.js';
import { useSession } from '../../../app/session.js';
import {
  hasFreeBed,
  quarantineApi,
  type FacilityDetailDto,
  type FacilityDto,
  type QuarantineMode,
  type StayCategory,
  type StayPlanDto,
  type TravellerDto,
} from '../api.js';
import { useQuarantineErrorText } from '../errors.js';
import { QUARANTINE_LIMITS } from '../../../../common/quarantine.js';

/** A record a stay can rest on (依据): a contact link or a traveller record, with its date and category. */
export interface StayBasisOption {
  type: 'contact' | 'traveller';
  id: string;
  category: StayCategory;
  /** The last exposure (contact) or the arrival day (traveller); null when the record has none. */
  day: string | null;
  label: string;
}

export interface AssignQuarantineButtonProps {
  personId: string;
  /**
   * The record the stay rests on. Without one the dialog lists the person's contact links and
   * traveller records to choose from (there is no basis-less or made-up manual review here).
   */
  basis?: StayBasisOption;
  onDone?: () => void;
  /** Button size (default small, as on table rows). */
  size?: 'small' | 'middle';
}

interface Values {
  mode: QuarantineMode;
  basisKey?: string;
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
        {plan.preset.name}{' '}
        <Typography.Text type="secondary">
          ({plan.preset.version} · {t(plan.firstDay === 0 ? 'quarantine.firstDay0' : 'quarantine.firstDay1')})
        </Typography.Text>
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
        <strong data-testid="assign-quarantine-end">{plan.endDay}</strong>{' '}
        <Typography.Text type="secondary">{t('quarantine.totalDays', { n: plan.totalDays })}</Typography.Text>
      </Descriptions.Item>
      <Descriptions.Item label={t('quarantine.testDays')}>
        <Space wrap size={[4, 4]} data-testid="assign-quarantine-tests">
          {plan.tests.length
            ? plan.tests.map((x) => (
                <Tag
                  key={x.day}
                  color={x.notApplicable ? 'default' : 'blue'}
                  data-testid={x.notApplicable ? 'assign-quarantine-test-na' : 'assign-quarantine-test'}
                >
                  {t('quarantine.testDay', { day: x.day, date: x.date.slice(5) })}
                  {x.notApplicable ? ` ${t('quarantine.notApplicable')}` : ''}
                </Tag>
              ))
            : '—'}
        </Space>
        {plan.admissionTest && (
          <Typography.Paragraph type="warning" style={{ margin: '4px 0 0' }} data-testid="assign-quarantine-admission">
            {t('quarantine.admissionTestPlanned')}
          </Typography.Paragraph>
        )}
      </Descriptions.Item>
    </Descriptions>
  );
}

/**
 * "安排隔离": assigns a person to central quarantine (a facility, then a free room or the first free
 * one) or home quarantine, under the active protocol preset. The dialog shows the computed phases,
 * end date and test days before saving; the server computes the same stay from the same preset.
 */
export function AssignQuarantineButton({ personId, basis, onDone, size = 'small' }: AssignQuarantineButtonProps) {
  const { t } = useI18n();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useQuarantineErrorText();
  const [open, setOpen] = useState(false);
  const [form] = Form.useForm<Values>();
  const mode = Form.useWatch('mode', form) ?? 'central';
  const basisKey = Form.useWatch('basisKey', form);
  const exposure = Form.useWatch('exposureDate', form);
  const [options, setOptions] = useState<StayBasisOption[] | null>(basis ? [basis] : null);
  const chosen = basis ?? options?.find((o) => `${o.type}:${o.id}` === basisKey);
  const cat = chosen?.category ?? 'close';
  const facilityId = Form.useWatch('facilityId', form);
  const [facilities, setFacilities] = useState<FacilityDto[] | null>(null);
  const [facility, setFacility] = useState<FacilityDetailDto | null>(null);
  const [plan, setPlan] = useState<StayPlanDto | null>(null);
  const [planLoading, setPlanLoading] = useState(false);
  const [planError, setPlanError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const exposureDate = exposure ? exposure.format('YYYY-MM-DD') : undefined;

  // The person's contact links and traveller records, when the caller named no basis.
  useEffect(() => {
    if (!open || basis) return;
    const ac = new AbortController();
    // A role without case.read sees no contact links (403): the traveller records still count.
    const none = { items: [] as never[] };
    Promise.all([
      casesApi.listContacts({ personId, limit: 50 }, ac.signal).catch((e: unknown) => (ac.signal.aborted ? Promise.reject(e) : none)),
      quarantineApi.travellers({ personId, pageSize: 50 }, ac.signal).catch((e: unknown) => (ac.signal.aborted ? Promise.reject(e) : none)),
    ]).then(
      ([c, tr]) => {
        const list: StayBasisOption[] = [
          ...c.items
            .filter((x: ContactDto) => x.status === 'open')
            .map((x: ContactDto) => ({
              type: 'contact' as const,
              id: x.id,
              category: x.category,
              day: x.exposureDate,
              label: `${t('quarantine.basisContact')} · ${t(`quarantine.category.${x.category}`)} · ${x.exposureDate}`,
            })),
          ...tr.items.map((x: TravellerDto) => ({
            type: 'traveller' as const,
            id: x.id,
            category: x.category,
            day: x.arrivalDay,
            label: `${t('quarantine.basisTraveller')} · ${t(`quarantine.category.${x.category}`)} · ${x.origin} · ${x.arrivalDay}`,
          })),
        ];
        setOptions(list);
        if (list[0]) {
          form.setFieldValue('basisKey', `${list[0].type}:${list[0].id}`);
          form.setFieldValue('exposureDate', list[0].day ? dayjs(list[0].day) : null);
        }
      },
      (e) => !ac.signal.aborted && setError(errorText(e)),
    );
    return () => ac.abort();
  }, [open, personId, basis]); // eslint-disable-line react-hooks/exhaustive-deps -- loaded when the dialog opens for a person; form is stable, t and errorText only word labels and errors
  // Facilities in scope, in service, when the dialog opens.
  useEffect(() => {
    if (!open) return;
    const ac = new AbortController();
    quarantineApi.facilities({ active: 'true', pageSize: 200 }, ac.signal).then(
      (r) => setFacilities(r.items),
      (e) => !ac.signal.aborted && setError(errorText(e)),
    );
    return () => ac.abort();
  }, [open]); // eslint-disable-line react-hooks/exhaustive-deps -- loaded once per opening; errorText only words the error

  // Rooms of the chosen facility.
  useEffect(() => {
    setFacility(null);
    if (!open || !facilityId) return;
    const ac = new AbortController();
    quarantineApi.facility(facilityId, ac.signal).then(setFacility, (e) => !ac.signal.aborted && setError(errorText(e)));
    return () => ac.abort();
  }, [open, facilityId]); // eslint-disable-line react-hooks/exhaustive-deps -- reloaded per chosen facility; errorText only words the error

  // The stay the preset gives for this mode, category and exposure day (none without a day: never counted from today).
  useEffect(() => {
    if (!open) return;
    if (!exposureDate) {
      setPlan(null);
      setPlanError(t('quarantine.exposureRequired'));
      return;
    }
    const ac = new AbortController();
    setPlanLoading(true);
    setPlanError(null);
    quarantineApi
      .plan({ mode, category: cat, exposureDate }, ac.signal)
      .then(setPlan, (e) => !ac.signal.aborted && (setPlan(null), setPlanError(errorText(e))))
      .finally(() => !ac.signal.aborted && setPlanLoading(false));
    return () => ac.abort();
  }, [open, mode, cat, exposureDate]); // eslint-disable-line react-hooks/exhaustive-deps -- recomputed per mode, category and day; t and errorText only word the error

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
      if (!chosen || !v.exposureDate) return;
      await quarantineApi.assign({
        personId,
        mode: v.mode,
        category: chosen.category,
        ...(v.mode === 'central' ? { facilityId: v.facilityId, roomId: v.roomId || null } : {}),
        basis: { type: chosen.type, id: chosen.id },
        reason: v.reason.trim(),
        exposureDate: v.exposureDate.format('YYYY-MM-DD'),
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
        okButtonProps={{ loading: busy, disabled: !!planError || !chosen, 'data-testid': 'assign-quarantine-submit' } as never}
        onOk={submit}
        onCancel={() => setOpen(false)}
        destroyOnHidden
        width={560}
      >
        {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} data-testid="assign-quarantine-error" />}
        {options && !options.length && (
          <Alert type="warning" showIcon title={t('quarantine.noBasis')} style={{ marginBottom: 12 }} data-testid="assign-quarantine-no-basis" />
        )}
        <Form
          form={form}
          layout="vertical"
          preserve={false}
          initialValues={{
            mode: 'central',
            reason: t('quarantine.defaultReason'),
            ...(basis ? { basisKey: `${basis.type}:${basis.id}`, exposureDate: basis.day ? dayjs(basis.day) : null } : {}),
          }}
          data-testid="assign-quarantine-form"
        >
          <Form.Item name="basisKey" label={t('quarantine.basis')} rules={[{ required: true, message: t('common.required') }]}>
            <Select
              data-testid="assign-quarantine-basis"
              disabled={!!basis}
              loading={!options}
              options={(options ?? []).map((o) => ({ value: `${o.type}:${o.id}`, label: o.label }))}
              onChange={(k: string) => {
                const o = options?.find((x) => `${x.type}:${x.id}` === k);
                form.setFieldValue('exposureDate', o?.day ? dayjs(o.day) : null);
              }}
            />
          </Form.Item>
          <Space size="large" wrap>
            <Form.Item name="mode" label={t('quarantine.mode')}>
              <Radio.Group optionType="button" data-testid="assign-quarantine-mode">
                <Radio.Button value="central">
                  <span data-testid="assign-quarantine-central">{t('quarantine.mode.central')}</span>
                </Radio.Button>
                <Radio.Button value="home">
                  <span data-testid="assign-quarantine-home">{t('quarantine.mode.home')}</span>
                </Radio.Button>
              </Radio.Group>
            </Form.Item>
            <Form.Item label={t('quarantine.category')}>
              <Tag data-testid="assign-quarantine-category">{t(`quarantine.category.${cat}`)}</Tag>
            </Form.Item>
          </Space>
          {mode === 'central' && (
            <Space style={{ display: 'flex' }} align="start" wrap>
              <Form.Item
                name="facilityId"
                label={t('quarantine.facility')}
                rules={[{ required: true, message: t('common.required') }]}
                style={{ minWidth: 280 }}
              >
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
                  options={freeRooms.map((r) => ({
                    value: r.id,
                    label: `${r.number}${r.capacity > 1 ? ` (${r.occupants}/${r.capacity})` : ''} · ${r.floor}F`,
                  }))}
                  showSearch={{ optionFilterProp: 'label' }}
                />
              </Form.Item>
            </Space>
          )}
          <Space style={{ display: 'flex' }} align="start" wrap>
            <Form.Item
              name="exposureDate"
              label={t('quarantine.exposureDate')}
              rules={[{ required: true, message: t('quarantine.exposureRequired') }]}
              extra={chosen?.day && exposureDate === chosen.day ? t('quarantine.exposureFromContact') : undefined}
            >
              <DatePicker data-testid="assign-quarantine-exposure" disabledDate={(d) => d.isAfter(dayjs(), 'day')} />
            </Form.Item>
            <Form.Item
              name="reason"
              label={t('quarantine.reason')}
              rules={[{ required: true, whitespace: true, message: t('common.reasonRequired') }]}
              style={{ minWidth: 280 }}
            >
              <Input maxLength={QUARANTINE_LIMITS.reason} data-testid="assign-quarantine-reason" />
            </Form.Item>
          </Space>
        </Form>
        <PlanPreview plan={plan} loading={planLoading} error={planError} />
      </Modal>
    </>
  );
}
