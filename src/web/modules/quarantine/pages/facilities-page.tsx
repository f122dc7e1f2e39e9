import { PlusOutlined, ReloadOutlined } from '@ant-design/icons';
import {
  Alert,
  App,
  Badge,
  Button,
  Card,
  Col,
  Drawer,
  Empty,
  Form,
  Input,
  InputNumber,
  Modal,
  Progress,
  Row,
  Space,
  Statistic,
  Tag,
  Tooltip,
  Typography,
} from 'antd';
import { useCallback, useState } from 'react';
import { Link } from 'react-router-dom';
import { useI18n } from '../../../app/i18n.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { useAction } from '../../../app/use-action.js';
import { FigureTitle } from '../../../components/figure-title.js';
import { JurisdictionSearch } from '../../../components/jurisdiction-search.js';
import { quarantineApi, type FacilityDetailDto, type FacilityDto, type RoomDto, type RoomStatus } from '../api.js';
import { useQuarantineErrorText } from '../errors.js';
import { useOccupancyEvents, type OccupancyEvent } from '../live.js';
import { QUARANTINE_LIMITS } from '../../../../common/quarantine.js';

const ROOM_COLORS: Record<RoomStatus, string> = { available: '#52c41a', occupied: '#722ed1', cleaning: '#faad14', out_of_service: '#bfbfbf' };

/** Occupancy of one facility: beds in use, free rooms, cleaning and out of service. */
function OccupancyBlock({ f, asOf }: { f: FacilityDto; asOf: number }) {
  const { t } = useI18n();
  const o = f.occupancy;
  const pct = o.bedsTotal ? Math.round((o.occupants / o.bedsTotal) * 100) : 0;
  return (
    <Space orientation="vertical" style={{ width: '100%' }} size={4}>
      <Row gutter={8}>
        <Col span={6}>
          <Statistic
            title={<FigureTitle label={t('quarantine.roomsFree')} help={t('quarantine.fig.roomsFree')} asOf={asOf} />}
            value={o.roomsAvailable}
            styles={{ content: { color: o.roomsAvailable ? '#389e0d' : '#cf1322' } }}
            data-testid="facility-free"
          />
        </Col>
        <Col span={6}>
          <Statistic
            title={<FigureTitle label={t('quarantine.roomsTotal')} help={t('quarantine.fig.roomsTotal')} asOf={asOf} />}
            value={o.roomsTotal}
            data-testid="facility-rooms"
          />
        </Col>
        <Col span={6}>
          <Statistic
            title={<FigureTitle label={t('quarantine.roomsCleaning')} help={t('quarantine.fig.roomsCleaning')} asOf={asOf} />}
            value={o.roomsCleaning}
          />
        </Col>
        <Col span={6}>
          <Statistic title={<FigureTitle label={t('quarantine.roomsOut')} help={t('quarantine.fig.roomsOut')} asOf={asOf} />} value={o.roomsOutOfService} />
        </Col>
      </Row>
      <Tooltip title={`${o.occupants} / ${o.bedsTotal}`}>
        <Progress percent={pct} size="small" status={o.roomsAvailable === 0 && o.roomsTotal > 0 ? 'exception' : 'active'} />
      </Tooltip>
      <Typography.Text type="secondary" data-testid="facility-occupants" data-n={o.occupants}>
        {t('quarantine.occupants', { n: o.occupants })} · {t('quarantine.beds', { n: o.bedsTotal })}
      </Typography.Text>
    </Space>
  );
}

function NewFacilityModal({ open, onClose, onDone, jurisdictionId }: { open: boolean; onClose(): void; onDone(f: FacilityDto): void; jurisdictionId: string }) {
  const { t } = useI18n();
  const errorText = useQuarantineErrorText();
  const [form] = Form.useForm<{ name: string; jurisdictionId: string; address: string; staffCount?: number }>();
  const create = useAction((v: { name: string; jurisdictionId: string; address: string; staffCount?: number }) =>
    quarantineApi.createFacility({ name: v.name.trim(), jurisdictionId: v.jurisdictionId, address: v.address.trim(), staffCount: v.staffCount ?? 0 }),
  );
  const busy = create.busy;
  const error = create.error ? errorText(create.error) : null;
  const submit = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    const f = await create.run(v);
    if (!f) return;
    onDone(f);
    onClose();
  };
  return (
    <Modal
      open={open}
      title={t('quarantine.newFacility')}
      okText={t('common.create')}
      cancelText={t('common.cancel')}
      onOk={submit}
      onCancel={onClose}
      okButtonProps={{ loading: busy, 'data-testid': 'facility-submit' } as never}
      destroyOnHidden
    >
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 12 }} />}
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{ jurisdictionId: jurisdictionId || undefined, staffCount: 0 }}
        data-testid="facility-form"
      >
        <Form.Item name="name" label={t('quarantine.facilityName')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input maxLength={QUARANTINE_LIMITS.facilityName} data-testid="facility-name" />
        </Form.Item>
        <Form.Item name="jurisdictionId" label={t('quarantine.location')} rules={[{ required: true, message: t('common.required') }]}>
          <JurisdictionSearch data-testid="facility-jurisdiction" />
        </Form.Item>
        <Form.Item name="address" label={t('quarantine.address')} rules={[{ required: true, whitespace: true, message: t('common.required') }]}>
          <Input maxLength={QUARANTINE_LIMITS.address} data-testid="facility-address" />
        </Form.Item>
        <Form.Item name="staffCount" label={t('quarantine.staffCount')}>
          <InputNumber min={0} max={100000} data-testid="facility-staff" />
        </Form.Item>
      </Form>
    </Modal>
  );
}

/** Adds a range of room numbers on one floor (e.g. 301–320), all or nothing. */
function AddRoomsForm({ facilityId, onDone }: { facilityId: string; onDone(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const errorText = useQuarantineErrorText();
  const [form] = Form.useForm<{ floor: number; from: number; to: number; capacity: number }>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const submit = async (v: { floor: number; from: number; to: number; capacity: number }) => {
    if (v.to < v.from || v.to - v.from >= 2000) return setError(t('quarantine.badRange'));
    setBusy(true);
    setError(null);
    try {
      const rooms = Array.from({ length: v.to - v.from + 1 }, (_, i) => ({ number: String(v.from + i), floor: v.floor, capacity: v.capacity }));
      const r = await quarantineApi.createRooms(facilityId, rooms);
      message.success(t('quarantine.roomsAdded', { n: r.items.length }));
      onDone();
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card size="small" title={t('quarantine.addRooms')} style={{ marginBottom: 12 }}>
      <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }}>
        {t('quarantine.addRoomsHint')}
      </Typography.Paragraph>
      {error && <Alert type="error" showIcon title={error} style={{ marginBottom: 8 }} data-testid="rooms-error" />}
      <Form form={form} layout="inline" initialValues={{ floor: 1, from: 101, to: 110, capacity: 1 }} onFinish={submit} data-testid="rooms-form">
        <Form.Item name="floor" label={t('quarantine.floor')} rules={[{ required: true }]}>
          <InputNumber min={-5} max={200} style={{ width: 70 }} data-testid="rooms-floor" />
        </Form.Item>
        <Form.Item name="from" label={t('quarantine.fromNumber')} rules={[{ required: true }]}>
          <InputNumber min={1} style={{ width: 90 }} data-testid="rooms-from" />
        </Form.Item>
        <Form.Item name="to" label={t('quarantine.toNumber')} rules={[{ required: true }]}>
          <InputNumber min={1} style={{ width: 90 }} data-testid="rooms-to" />
        </Form.Item>
        <Form.Item name="capacity" label={t('quarantine.capacity')}>
          <InputNumber min={1} max={20} style={{ width: 60 }} />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={busy} icon={<PlusOutlined />} data-testid="rooms-submit">
          {t('quarantine.addRooms')}
        </Button>
      </Form>
    </Card>
  );
}

/** Rooms as tiles coloured by state; a free room can be taken out of service, a cleaned one put back. */
function RoomGrid({ facility, canManage, onChanged }: { facility: FacilityDetailDto; canManage: boolean; onChanged(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const errorText = useQuarantineErrorText();
  const set = async (r: RoomDto, status: Exclude<RoomStatus, 'occupied'>) => {
    try {
      await quarantineApi.setRoomStatus(facility.id, r.id, status);
      onChanged();
    } catch (err) {
      message.error(errorText(err));
    }
  };
  if (!facility.rooms.length) return <Empty description={t('quarantine.noRooms')} />;
  const floors = [...new Set(facility.rooms.map((r) => r.floor))].sort((a, b) => a - b);
  return (
    <Space orientation="vertical" style={{ width: '100%' }}>
      <Space wrap>
        {(Object.keys(ROOM_COLORS) as RoomStatus[]).map((s) => (
          <Badge key={s} color={ROOM_COLORS[s]} text={t(`quarantine.room.${s}`)} />
        ))}
      </Space>
      {floors.map((fl) => (
        <div key={fl}>
          <Typography.Text strong>{fl}F</Typography.Text>
          <div style={{ display: 'flex', flexWrap: 'wrap', gap: 6, marginTop: 4 }}>
            {facility.rooms
              .filter((r) => r.floor === fl)
              .map((r) => {
                const next: Exclude<RoomStatus, 'occupied'> | null =
                  r.status === 'cleaning' ? 'available' : r.status === 'available' ? 'out_of_service' : r.status === 'out_of_service' ? 'available' : null;
                const action = r.status === 'cleaning' ? 'quarantine.markAvailable' : r.status === 'available' ? 'quarantine.markOut' : 'quarantine.markIn';
                return (
                  <Tooltip key={r.id} title={`${t(`quarantine.room.${r.status}`)} · ${r.occupants}/${r.capacity}${canManage && next ? ` · ${t(action)}` : ''}`}>
                    <div
                      data-testid="room-tile"
                      data-status={r.status}
                      data-number={r.number}
                      onClick={canManage && next ? () => set(r, next) : undefined}
                      style={{
                        width: 64,
                        padding: '6px 0',
                        textAlign: 'center',
                        borderRadius: 4,
                        color: '#fff',
                        background: ROOM_COLORS[r.status],
                        cursor: canManage && next ? 'pointer' : 'default',
                        fontSize: 13,
                      }}
                    >
                      {r.number}
                      {r.capacity > 1 && (
                        <div style={{ fontSize: 11 }}>
                          {r.occupants}/{r.capacity}
                        </div>
                      )}
                    </div>
                  </Tooltip>
                );
              })}
          </div>
        </div>
      ))}
    </Space>
  );
}

/**
 * Central quarantine facilities (集中隔离场所): each with its staff, rooms, occupancy and free rooms,
 * updated live as people are assigned and released. Managers create facilities and add rooms.
 */
export function FacilitiesPage({ jurisdictionId }: PageProps) {
  const { t } = useI18n();
  const { can } = useSession();
  const canManage = can('quarantine.manage');
  const list = useRemote((signal) => quarantineApi.facilities({ pageSize: 200 }, signal), []);
  const [openId, setOpenId] = useState<string | null>(null);
  const detail = useRemote((signal) => (openId ? quarantineApi.facility(openId, signal) : Promise.resolve(null)), [openId]);
  const [creating, setCreating] = useState(false);

  const onEvent = useCallback(
    (e: OccupancyEvent) => {
      const data = list.data;
      if (!data) return;
      const { facilityId, ...occupancy } = e;
      if (!data.items.some((f) => f.id === facilityId)) return list.reload();
      list.setData({ ...data, items: data.items.map((f) => (f.id === facilityId ? { ...f, occupancy } : f)) });
      if (facilityId === openId) detail.reload();
    },
    [list, detail, openId],
  );
  const { connected } = useOccupancyEvents(onEvent, () => (list.reload(), detail.reload()));

  const items = list.data?.items ?? [];
  const totals = items.reduce(
    (a, f) => ({ free: a.free + f.occupancy.roomsAvailable, occupants: a.occupants + f.occupancy.occupants, beds: a.beds + f.occupancy.bedsTotal }),
    { free: 0, occupants: 0, beds: 0 },
  );

  return (
    <div data-testid="quarantine-facilities-page">
      <Space style={{ width: '100%', justifyContent: 'space-between' }} wrap>
        <Typography.Title level={3} className="bw-page-title">
          {t('quarantine.facilities')}
        </Typography.Title>
        <Space wrap>
          <Tag color={connected ? 'green' : 'default'} data-testid="live-state">
            {connected ? t('quarantine.live') : t('quarantine.offline')}
          </Tag>
          <Typography.Text type="secondary">
            {t('quarantine.roomsFree')} {totals.free} · {t('quarantine.occupants', { n: totals.occupants })} · {t('quarantine.beds', { n: totals.beds })}
          </Typography.Text>
          <Button icon={<ReloadOutlined />} onClick={list.reload}>
            {t('common.refresh')}
          </Button>
          {canManage && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setCreating(true)} data-testid="new-facility">
              {t('quarantine.newFacility')}
            </Button>
          )}
        </Space>
      </Space>
      <Typography.Paragraph type="secondary">{t('quarantine.facilitiesHint')}</Typography.Paragraph>
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {!list.loading && !items.length && <Empty description={t('common.noData')} />}
      <Row gutter={[16, 16]}>
        {items.map((f) => (
          <Col key={f.id} xs={24} md={12} xl={8}>
            <Card
              data-testid="facility-card"
              data-id={f.id}
              data-name={f.name}
              title={
                <Space>
                  {f.name}
                  {!f.active && <Tag>{t('quarantine.inactive')}</Tag>}
                </Space>
              }
              extra={
                <Space size={4}>
                  <Link to={`/quarantine/stays?facilityId=${f.id}`}>{t('quarantine.viewStays')}</Link>
                  <Button type="link" size="small" onClick={() => setOpenId(f.id)} data-testid="facility-rooms-open">
                    {t('quarantine.rooms')}
                  </Button>
                </Space>
              }
            >
              <Typography.Paragraph type="secondary" ellipsis style={{ marginBottom: 8 }}>
                {f.address} · {t('quarantine.staff')} {f.staffCount}
              </Typography.Paragraph>
              <OccupancyBlock f={f} asOf={list.updatedAt} />
            </Card>
          </Col>
        ))}
      </Row>
      <Drawer
        open={!!openId}
        onClose={() => setOpenId(null)}
        size={640}
        title={detail.data?.name ?? t('quarantine.rooms')}
        destroyOnHidden
        data-testid="facility-drawer"
      >
        <ErrorAlert error={detail.error} onRetry={detail.reload} />
        {detail.data && (
          <>
            <Card size="small" style={{ marginBottom: 12 }}>
              <OccupancyBlock f={detail.data} asOf={detail.updatedAt} />
            </Card>
            {canManage && <AddRoomsForm facilityId={detail.data.id} onDone={() => (detail.reload(), list.reload())} />}
            <RoomGrid facility={detail.data} canManage={canManage} onChanged={detail.reload} />
          </>
        )}
      </Drawer>
      <NewFacilityModal open={creating} onClose={() => setCreating(false)} onDone={(f) => (list.reload(), setOpenId(f.id))} jurisdictionId={jurisdictionId} />
    </div>
  );
}
