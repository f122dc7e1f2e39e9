import { WarningOutlined } from '@ant-design/icons';
import { Alert, App, Button, Card, Checkbox, Form, Grid, Input, List, Modal, Popover, Segmented, Select, Space, Table, Tag, Tooltip, Typography } from 'antd';
import { useState } from 'react';
import { Link, useSearchParams } from 'react-router-dom';
import { checkReason, REASON_MAX_CHARS } from '../../../../common/reason.js';
import { ApiError } from '../../../app/http.js';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { quarantineApi, type StayDto } from '../api.js';
import { useQuarantineErrorText } from '../errors.js';
import { AssignQuarantineButton } from '../components/assign-quarantine-button.js';
import { PersonPicker } from '../components/person-picker.js';
import { ReleaseRequests } from '../components/release-requests.js';
import { useOccupancyEvents } from '../live.js';

export const PHASE_COLORS: Record<StayDto['phase'], string> = {
  central: 'purple',
  home_quarantine: 'volcano',
  home_monitoring: 'gold',
  ended: 'red',
  released: 'default',
};

/** The scheduled test days with their results. */
export function TestDays({ stay, canManage, onChanged }: { stay: StayDto; canManage: boolean; onChanged(s: StayDto): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const errorText = useQuarantineErrorText();
  const record = async (day: number, result: 'negative' | 'positive') => {
    try {
      onChanged(await quarantineApi.recordTest(stay.id, { day, result }));
      message.success(t('quarantine.testRecorded'));
    } catch (err) {
      message.error(errorText(err));
    }
  };
  return (
    <Space wrap size={[4, 4]} data-testid="stay-tests">
      {stay.tests.map((x) => {
        if (x.notApplicable) {
          return (
            <Tag key={x.day} data-testid="stay-test" data-day={x.day} data-result="not-applicable">
              {t('quarantine.testDay', { day: x.day, date: x.date.slice(5) })} {t('quarantine.notApplicable')}
            </Tag>
          );
        }
        const color = x.result === 'negative' ? 'green' : x.result === 'positive' ? 'red' : 'blue';
        const tag = (
          <Tag
            color={color}
            data-testid="stay-test"
            data-day={x.day}
            data-result={x.result ?? 'pending'}
            style={{ cursor: canManage && stay.status === 'active' ? 'pointer' : undefined }}
          >
            {x.kind === 'admission' ? `${t('quarantine.admissionTest')} ` : ''}
            {t('quarantine.testDay', { day: x.day, date: x.date.slice(5) })} {x.result ? t(`quarantine.test.${x.result}`) : ''}
          </Tag>
        );
        if (!canManage || stay.status !== 'active') return <span key={x.day}>{tag}</span>;
        return (
          <Popover
            key={x.day}
            trigger="click"
            title={`${t('quarantine.recordTest')} · D${x.day}`}
            content={
              <Space>
                <Button size="small" onClick={() => record(x.day, 'negative')}>
                  {t('quarantine.test.negative')}
                </Button>
                <Button size="small" danger onClick={() => record(x.day, 'positive')}>
                  {t('quarantine.test.positive')}
                </Button>
              </Space>
            }
          >
            {tag}
          </Popover>
        );
      })}
    </Space>
  );
}

/**
 * Release: criteria met → released at once. Otherwise the server's refusal (end date, pending or
 * positive tests) is shown; a commander or district officer may then request an early release with
 * a reason (申请提前解除), which takes effect when a second one approves it.
 */
export function ReleaseModal({ stay, onClose, onDone }: { stay: StayDto | null; onClose(): void; onDone(s?: StayDto): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const { can } = useSession();
  const canEarly = can('quarantine.release-early');
  const errorText = useQuarantineErrorText();
  const [form] = Form.useForm<{ early: boolean; reason?: string }>();
  const early = Form.useWatch('early', form);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; detail?: string } | null>(null);
  const submit = async () => {
    if (!stay) return;
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    setBusy(true);
    setError(null);
    try {
      if (v.early) {
        await quarantineApi.requestEarlyRelease(stay.id, v.reason!.trim());
        message.success(t('quarantine.requestEarlySent'));
        onDone();
      } else {
        const s = await quarantineApi.release(stay.id);
        message.success(t('quarantine.released'));
        onDone(s);
      }
      onClose();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'QUARANTINE_RELEASE_EARLY') {
        const d = (err.details ?? {}) as { endDay?: string; pendingDays?: number[]; positiveDays?: number[] };
        const parts = [t('quarantine.releaseEarlyEnd', { endDay: d.endDay ?? stay.endDay })];
        if (d.pendingDays?.length) parts.push(t('quarantine.releaseEarlyPending', { days: d.pendingDays.join('、') }));
        if (d.positiveDays?.length) parts.push(t('quarantine.releaseEarlyPositive', { days: d.positiveDays.join('、') }));
        parts.push(t(canEarly ? 'quarantine.releaseEarlyNeedsRequest' : 'quarantine.releaseEarlyNoRight'));
        setError({ text: t('quarantine.releaseEarly'), detail: parts.join('；') });
        if (canEarly) form.setFieldValue('early', true);
      } else setError({ text: errorText(err) });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Modal
      open={!!stay}
      title={stay ? t('quarantine.releaseTitle', { name: stay.personNameMasked ?? '—' }) : ''}
      okText={early ? t('quarantine.requestEarly') : t('quarantine.release')}
      cancelText={t('common.cancel')}
      onOk={submit}
      onCancel={onClose}
      okButtonProps={{ loading: busy, danger: !!early, 'data-testid': 'release-submit' } as never}
      destroyOnHidden
    >
      {stay && (
        <Typography.Paragraph>
          {t('quarantine.endDay')}: <strong>{stay.endDay}</strong> ·{' '}
          {stay.dayCounter.ended
            ? t('quarantine.dayEnded', { total: stay.dayCounter.total })
            : t('quarantine.dayOf', { day: stay.dayCounter.day, total: stay.dayCounter.total })}
        </Typography.Paragraph>
      )}
      {error && <Alert type="error" showIcon title={error.text} description={error.detail} style={{ marginBottom: 12 }} data-testid="release-error" />}
      <Form form={form} layout="vertical" preserve={false} initialValues={{ early: false }}>
        {canEarly && (
          <Form.Item name="early" valuePropName="checked" extra={t('quarantine.releaseEarlyNeedsRequest')}>
            <Checkbox data-testid="release-early-request">{t('quarantine.requestEarly')}</Checkbox>
          </Form.Item>
        )}
        {early && (
          <Form.Item
            name="reason"
            label={t('quarantine.requestEarlyReason')}
            rules={[
              { required: true, whitespace: true, message: t('common.reasonRequired') },
              {
                validator: async (_, v: string) => {
                  if (v?.trim() && !checkReason(v).ok) throw new Error(t('person.reasonRule'));
                },
              },
            ]}
          >
            <Input.TextArea rows={2} maxLength={REASON_MAX_CHARS} data-testid="release-reason" />
          </Form.Item>
        )}
      </Form>
    </Modal>
  );
}

/** One stay as a card (phones, issue 16): the same facts and actions as a table row, stacked. */
function StayCard({
  stay: s,
  canManage,
  canRelease,
  onChanged,
  onRelease,
}: {
  stay: StayDto;
  canManage: boolean;
  canRelease: boolean;
  onChanged(s: StayDto): void;
  onRelease(): void;
}) {
  const { t } = useI18n();
  return (
    <Card
      size="small"
      data-testid="stay-row"
      data-id={s.id}
      data-person={s.personId}
      data-overdue={String(s.overdue)}
      style={s.overdue ? { background: '#fff1f0' } : undefined}
      title={
        <Link to={`/quarantine/stays/${s.id}`} data-testid="stay-person">
          {s.personNameMasked ?? '—'}
        </Link>
      }
      extra={
        <Space size={4}>
          <Tag color={PHASE_COLORS[s.phase]} data-testid="stay-phase">
            {t(`quarantine.phase.${s.phase}`)}
          </Tag>
          {s.overdue && (
            <Tag color="red" icon={<WarningOutlined />} data-testid="stay-overdue">
              {t('quarantine.overdue')}
            </Tag>
          )}
        </Space>
      }
    >
      {/* The place: a facility and room, or the home address to building level (the phase tag already says 居家隔离). */}
      <div data-testid="stay-place">
        {s.mode === 'central'
          ? [s.facilityName ?? '—', s.roomNumber ? `${t('quarantine.room')} ${s.roomNumber}` : null].filter(Boolean).join(' · ')
          : (s.homePlace ?? (s.phase === 'home_quarantine' ? null : t('quarantine.mode.home')))}
      </div>
      <div data-testid="stay-day" data-day={s.dayCounter.day} data-total={s.dayCounter.total}>
        {s.dayCounter.ended
          ? t('quarantine.dayEnded', { total: s.dayCounter.total })
          : t('quarantine.dayOf', { day: s.dayCounter.day, total: s.dayCounter.total })}
        {' · '}
        <Typography.Text type={s.overdue ? 'danger' : undefined} strong={s.overdue}>
          {t('quarantine.endDay')} {s.endDay}
        </Typography.Text>
        {s.transfer.due && (
          <Tag color="orange" style={{ marginLeft: 4 }}>
            {t('quarantine.transferDue')}
          </Tag>
        )}
      </div>
      <div style={{ margin: '8px 0' }}>
        <TestDays stay={s} canManage={canManage} onChanged={onChanged} />
      </div>
      {canRelease && s.status === 'active' && (
        <Button block danger={s.overdue} onClick={onRelease} data-testid="stay-release">
          {t('quarantine.release')}
        </Button>
      )}
    </Card>
  );
}

/**
 * Quarantine stays (隔离人员): who is where (facility and room, or home), day N of M by the preset's
 * counting rule, phase, end date and test days; overdue stays stand out. Release from the row.
 */
export function StaysPage(_: PageProps) {
  const { t } = useI18n();
  const { can } = useSession();
  const canManage = can('quarantine.manage');
  const canRelease = canManage || can('quarantine.release-early');
  const [params, setParams] = useSearchParams();
  const [requestsKey, setRequestsKey] = useState(0);
  const facilityId = params.get('facilityId') ?? undefined;
  const [status, setStatus] = useState<'active' | 'released'>('active');
  const [page, setPage] = useState(1);
  const [releasing, setReleasing] = useState<StayDto | null>(null);
  const [personId, setPersonId] = useState<string | undefined>();
  const list = useRemote((signal) => quarantineApi.stays({ status, facilityId, page, pageSize: 50 }, signal), [status, facilityId, page]);
  const facilities = useRemote((signal) => quarantineApi.facilities({ pageSize: 200 }, signal), []);
  useOccupancyEvents(() => list.reload(), list.reload);

  const replace = (s: StayDto) =>
    list.data &&
    list.setData({
      ...list.data,
      items: list.data.items.map((x) =>
        x.id === s.id ? { ...x, ...s, personNameMasked: x.personNameMasked, facilityName: x.facilityName, roomNumber: x.roomNumber } : x,
      ),
    });
  const overdue = (list.data?.items ?? []).filter((s) => s.overdue).length;
  // A phone gets cards, not a table squeezed to 390 px (issue 16); `false` only once the width is known.
  const phone = Grid.useBreakpoint().md === false;

  return (
    <div data-testid="quarantine-stays-page">
      <Typography.Title level={3} className="bw-page-title">
        {t('quarantine.stays')}
      </Typography.Title>
      <Space wrap style={{ marginBottom: 12 }}>
        <Segmented<'active' | 'released'>
          value={status}
          onChange={(v) => (setStatus(v), setPage(1))}
          options={[
            { value: 'active', label: t('quarantine.statusActive') },
            { value: 'released', label: t('quarantine.statusReleased') },
          ]}
          data-testid="stay-status-filter"
        />
        <Select
          allowClear
          style={{ minWidth: 240 }}
          placeholder={t('quarantine.facility')}
          value={facilityId}
          onChange={(v?: string) => (setParams(v ? { facilityId: v } : {}), setPage(1))}
          options={(facilities.data?.items ?? []).map((f) => ({ value: f.id, label: f.name }))}
          data-testid="stay-facility-filter"
        />
        {canManage && (
          <Space.Compact>
            <PersonPicker value={personId} onChange={setPersonId} style={{ width: 340 }} />
            {personId && (
              <AssignQuarantineButton size="middle" personId={personId} onDone={() => (setPersonId(undefined), setStatus('active'), list.reload())} />
            )}
          </Space.Compact>
        )}
        {overdue > 0 && (
          <Tag color="red" icon={<WarningOutlined />} data-testid="overdue-count">
            {t('quarantine.overdueCount', { n: overdue })}
          </Tag>
        )}
      </Space>
      <ReleaseRequests reloadKey={requestsKey} onDecided={() => list.reload()} />
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {phone && (
        <List<StayDto>
          loading={list.loading}
          dataSource={list.data?.items ?? []}
          pagination={{ current: page, pageSize: 50, total: list.data?.total ?? 0, onChange: setPage, simple: true }}
          renderItem={(s) => (
            <List.Item style={{ padding: '6px 0' }}>
              <StayCard stay={s} canManage={canManage} canRelease={canRelease} onChanged={replace} onRelease={() => setReleasing(s)} />
            </List.Item>
          )}
        />
      )}
      {!phone && (
        <Table<StayDto>
          rowKey="id"
          loading={list.loading}
          dataSource={list.data?.items ?? []}
          scroll={{ x: 1100 }}
          pagination={{ current: page, pageSize: 50, total: list.data?.total ?? 0, onChange: setPage, showTotal: (n) => t('common.total', { n }) }}
          onRow={(s) =>
            ({
              'data-testid': 'stay-row',
              'data-id': s.id,
              'data-person': s.personId,
              'data-overdue': String(s.overdue),
              style: s.overdue ? { background: '#fff1f0' } : undefined,
            }) as React.HTMLAttributes<HTMLElement>
          }
          columns={[
            {
              title: t('quarantine.person'),
              key: 'person',
              width: 110,
              render: (_: unknown, s) => (
                <Link to={`/quarantine/stays/${s.id}`} data-testid="stay-person">
                  {s.personNameMasked ?? '—'}
                </Link>
              ),
            },
            {
              title: t('quarantine.place'),
              key: 'place',
              render: (_: unknown, s) =>
                s.mode === 'central' ? (
                  <Space orientation="vertical" size={0}>
                    <span>{s.facilityName ?? '—'}</span>
                    <Typography.Text type="secondary" data-testid="stay-room">
                      {s.roomNumber ? `${t('quarantine.room')} ${s.roomNumber}` : '—'}
                    </Typography.Text>
                  </Space>
                ) : (
                  <Space orientation="vertical" size={0}>
                    <Tag>{t('quarantine.mode.home')}</Tag>
                    {s.homePlace && (
                      <Typography.Text type="secondary" data-testid="stay-home-place">
                        {s.homePlace}
                      </Typography.Text>
                    )}
                  </Space>
                ),
            },
            {
              title: t('quarantine.dayCounter'),
              key: 'day',
              width: 150,
              render: (_: unknown, s) => (
                <span data-testid="stay-day" data-day={s.dayCounter.day} data-total={s.dayCounter.total}>
                  {s.dayCounter.ended
                    ? t('quarantine.dayEnded', { total: s.dayCounter.total })
                    : t('quarantine.dayOf', { day: s.dayCounter.day, total: s.dayCounter.total })}
                  {s.transfer.due && (
                    <Tag color="orange" style={{ marginLeft: 4 }}>
                      {t('quarantine.transferDue')}
                    </Tag>
                  )}
                </span>
              ),
            },
            {
              title: t('quarantine.phase'),
              key: 'phase',
              width: 150,
              render: (_: unknown, s) => (
                <Space size={4} wrap>
                  <Tag color={PHASE_COLORS[s.phase]} data-testid="stay-phase">
                    {t(`quarantine.phase.${s.phase}`)}
                  </Tag>
                  {s.overdue && (
                    <Tag color="red" icon={<WarningOutlined />} data-testid="stay-overdue">
                      {t('quarantine.overdue')}
                    </Tag>
                  )}
                </Space>
              ),
            },
            {
              title: t('quarantine.endDay'),
              dataIndex: 'endDay',
              width: 120,
              render: (v: string, s) => (
                <Tooltip title={`${t('quarantine.preset')}: ${s.preset.version}`}>
                  <Typography.Text type={s.overdue ? 'danger' : undefined} strong={s.overdue}>
                    {v}
                  </Typography.Text>
                </Tooltip>
              ),
            },
            { title: t('quarantine.testDays'), key: 'tests', render: (_: unknown, s) => <TestDays stay={s} canManage={canManage} onChanged={replace} /> },
            {
              title: t('common.actions'),
              key: 'actions',
              width: 110,
              fixed: 'right',
              render: (_: unknown, s) =>
                canRelease && s.status === 'active' ? (
                  <Button size="small" danger={s.overdue} onClick={() => setReleasing(s)} data-testid="stay-release">
                    {t('quarantine.release')}
                  </Button>
                ) : s.releasedAt ? (
                  <Tooltip title={s.releaseReason}>
                    <Typography.Text type="secondary">
                      {s.releaseOverride ? `${t('quarantine.statusReleased')} · ${t('quarantine.earlyReleased')}` : t('quarantine.statusReleased')}
                    </Typography.Text>
                  </Tooltip>
                ) : null,
            },
          ]}
        />
      )}
      <ReleaseModal
        stay={releasing}
        onClose={() => setReleasing(null)}
        onDone={(s) => (setRequestsKey((k) => k + 1), !s || status === 'active' ? list.reload() : replace(s))}
      />
    </div>
  );
}
