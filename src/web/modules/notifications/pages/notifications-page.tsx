import { CheckOutlined, NotificationOutlined, WarningOutlined } from '@ant-design/icons';
import { App, Badge, Button, Card, Form, Input, List, Modal, Segmented, Select, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { formatTime } from '../../../app/format.js';
import { useMessageText } from '../../../app/bilingual.js';
import { isInternalLink } from '../../../../common/roles.js';
import { useI18n } from '../../../app/i18n.js';
import { useJurisdictionFilter } from '../../../app/jurisdiction.js';
import { useLive } from '../../../app/live.js';
import type { PageProps } from '../../../app/modules.js';
import { useSession } from '../../../app/session.js';
import { useAction } from '../../../app/use-action.js';
import { ErrorAlert, useErrorText } from '../../../components/error-alert.js';
import { SEVERITIES, notificationsApi, type NotificationItem, type Severity } from '../api.js';
import { useFeed } from '../hooks.js';
import { rulesFor } from '../../../app/form-rules.js';
import { TASK_LIMITS } from '../../../../common/tasks.js';

type Filter = 'all' | 'unread' | 'alerts';
const SEVERITY_COLOR: Record<Severity, string> = { info: 'blue', warning: 'orange', critical: 'red' };

/**
 * My notifications and alerts, newest first, live: mark read, acknowledge an alert (with an
 * optional note), and raise an alert to the chosen jurisdiction (with alert.raise).
 */
export function NotificationsPage({ jurisdictionId }: PageProps) {
  const { t, lang } = useI18n();
  const text = useMessageText();
  const { can } = useSession();
  const { current } = useJurisdictionFilter();
  const { refreshBadge } = useLive();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [filter, setFilter] = useState<Filter>('all');
  const [page, setPage] = useState(1);
  const feed = useFeed({ unread: filter === 'unread' || undefined, alertsOnly: filter === 'alerts' || undefined, page, pageSize: 20 });
  const [acking, setAcking] = useState<{ n: NotificationItem; group: boolean } | null>(null);
  const [raising, setRaising] = useState(false);
  const ackGroup = useAction((id: string, note: string | undefined) => notificationsApi.acknowledgeGroup(id, note), {
    onError: (err) => {
      message.error(errorText(err));
      setAcking(null);
      feed.reload();
    },
  });
  const ack = useAction((id: string, note: string | undefined) => notificationsApi.acknowledge(id, note), {
    onError: (err) => {
      message.error(errorText(err));
      if (err.code === 'ALERT_ALREADY_ACKNOWLEDGED') {
        setAcking(null);
        feed.reload();
      }
    },
  });
  const raiseAlert = useAction(notificationsApi.raiseAlert, { onError: (err) => message.error(errorText(err)) });
  const busy = ack.busy || ackGroup.busy || raiseAlert.busy;
  const [ackForm] = Form.useForm<{ note?: string }>();
  const [raiseForm] = Form.useForm<{ title: string; body: string; severity: Severity }>();

  const replace = (n: NotificationItem) => {
    if (feed.data) feed.setData({ ...feed.data, items: feed.data.items.map((x) => (x.id === n.id ? n : x)) });
  };

  const markRead = async (n: NotificationItem) => {
    try {
      replace(await notificationsApi.markRead(n.id));
    } catch (err) {
      message.error(errorText(err));
    }
  };

  const acknowledge = async () => {
    if (!acking) return;
    const v = await ackForm.validateFields();
    if (acking.group) {
      const r = await ackGroup.run(acking.n.id, v.note?.trim() || undefined);
      refreshBadge();
      if (!r) return;
      replace(r.notification);
      message.success(r.notYours ? t('notif.ackedGroupPartial', { n: r.acknowledged, m: r.notYours }) : t('notif.ackedGroup', { n: r.acknowledged }));
      setAcking(null);
      return;
    }
    const done = await ack.run(acking.n.id, v.note?.trim() || undefined);
    refreshBadge();
    if (!done) return;
    replace(done);
    message.success(t('common.done'));
    setAcking(null);
  };

  const raise = async () => {
    const v = await raiseForm.validateFields();
    if (!(await raiseAlert.run({ title: v.title.trim(), body: v.body.trim(), severity: v.severity, jurisdictionId }))) return;
    message.success(t('notif.raised'));
    setRaising(false);
    feed.reload();
    refreshBadge();
  };

  return (
    <div data-testid="notifications">
      <Space style={{ width: '100%', justifyContent: 'space-between', flexWrap: 'wrap' }}>
        <Typography.Title level={3} className="bw-page-title">
          {t('notif.title')}
        </Typography.Title>
        {can('alert.raise') && (
          <Button danger icon={<WarningOutlined />} onClick={() => setRaising(true)}>
            {t('notif.raise')}
          </Button>
        )}
      </Space>
      <Space wrap style={{ marginBottom: 12 }}>
        <Segmented<Filter>
          value={filter}
          onChange={(v) => {
            setFilter(v);
            setPage(1);
          }}
          options={[
            { value: 'all', label: t('notif.filterAll') },
            { value: 'unread', label: t('notif.filterUnread') },
            { value: 'alerts', label: t('notif.filterAlerts') },
          ]}
        />
        {feed.data && (
          <Typography.Text type={feed.data.unacknowledgedAlerts ? 'danger' : 'secondary'} data-testid="unack-count">
            {t('notif.unackCount', { n: feed.data.unacknowledgedAlerts })}
          </Typography.Text>
        )}
      </Space>
      <ErrorAlert error={feed.error} onRetry={feed.reload} />
      <Card size="small">
        <List<NotificationItem>
          loading={feed.loading && !feed.data}
          dataSource={feed.data?.items ?? []}
          locale={{ emptyText: t('common.noData') }}
          pagination={{
            current: page,
            pageSize: 20,
            total: feed.data?.total ?? 0,
            onChange: setPage,
            showTotal: (n) => t('common.total', { n }),
            hideOnSinglePage: true,
          }}
          renderItem={(n) => {
            const unackedAlert = n.isAlert && !n.acknowledgedAt;
            const group = n.group && n.group.recipients.length > 1 ? n.group : null;
            return (
              <List.Item
                data-testid="notification-item"
                data-id={n.id}
                actions={[
                  n.link && isInternalLink(n.link) ? (
                    <Link key="open" to={n.link}>
                      {t('notif.open')}
                    </Link>
                  ) : null,
                  !n.readAt ? (
                    <Button key="read" size="small" type="link" onClick={() => markRead(n)}>
                      {t('notif.markRead')}
                    </Button>
                  ) : null,
                  group && group.open > 0 && can('alert.acknowledge') ? (
                    <Button
                      key="ack-group"
                      size="small"
                      type="primary"
                      danger
                      icon={<CheckOutlined />}
                      onClick={() => setAcking({ n, group: true })}
                      data-testid="ack-group-button"
                    >
                      {t('notif.ackGroup')}
                    </Button>
                  ) : !group && unackedAlert && can('alert.acknowledge') ? (
                    <Button
                      key="ack"
                      size="small"
                      type="primary"
                      danger
                      icon={<CheckOutlined />}
                      onClick={() => setAcking({ n, group: false })}
                      data-testid="ack-button"
                    >
                      {t('notif.ack')}
                    </Button>
                  ) : null,
                ].filter(Boolean)}
              >
                <List.Item.Meta
                  avatar={
                    <Badge dot={!n.readAt}>
                      {n.isAlert ? (
                        <WarningOutlined style={{ fontSize: 20, color: n.severity === 'critical' ? '#cf1322' : '#d46b08' }} />
                      ) : (
                        <NotificationOutlined style={{ fontSize: 20 }} />
                      )}
                    </Badge>
                  }
                  title={
                    <Space size={6} wrap>
                      {n.severity ? <Tag color={SEVERITY_COLOR[n.severity]}>{t(`notif.severity.${n.severity}`)}</Tag> : <Tag>{t('notif.notification')}</Tag>}
                      <span style={{ fontWeight: n.readAt ? 400 : 600 }}>{text(n.title, n.titleKey, n.titleParams)}</span>
                    </Space>
                  }
                  description={
                    <div>
                      <div style={{ whiteSpace: 'pre-wrap', color: 'rgba(0,0,0,0.78)' }}>{text(n.body, n.bodyKey, n.bodyParams)}</div>
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {formatTime(n.createdAt, lang)}
                        {n.isAlert && !group && ' · '}
                        {n.isAlert && !group && (
                          <span data-testid="ack-state">
                            {n.acknowledgedAt
                              ? t('notif.acked', { name: n.acknowledgedBy ?? '', at: formatTime(n.acknowledgedAt, lang) })
                              : t('notif.notAcked')}
                          </span>
                        )}
                      </Typography.Text>
                      {n.ackNote && !group && <div style={{ fontSize: 12 }}>{n.ackNote}</div>}
                      {group && (
                        <div data-testid="alert-recipients" style={{ marginTop: 4 }}>
                          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                            {t('notif.recipients', { n: group.recipients.length })} · {t('notif.groupOpen', { open: group.open, n: group.recipients.length })}
                          </Typography.Text>
                          <div>
                            {group.recipients.map((r) => (
                              <Tag
                                key={r.id}
                                color={r.acknowledgedAt ? 'green' : undefined}
                                data-testid="alert-recipient"
                                title={
                                  r.acknowledgedAt
                                    ? t('notif.acked', { name: r.acknowledgedBy ?? '', at: formatTime(r.acknowledgedAt, lang) })
                                    : t('notif.notAcked')
                                }
                              >
                                {r.name}
                                {r.acknowledgedAt ? ' ✓' : ''}
                              </Tag>
                            ))}
                          </div>
                        </div>
                      )}
                    </div>
                  }
                />
              </List.Item>
            );
          }}
        />
      </Card>
      <Modal
        open={!!acking}
        title={acking?.group ? t('notif.ackGroup') : t('notif.ack')}
        onCancel={() => setAcking(null)}
        onOk={acknowledge}
        confirmLoading={busy}
        okText={acking?.group ? t('notif.ackGroup') : t('notif.ack')}
        cancelText={t('common.cancel')}
        destroyOnHidden
      >
        <Typography.Paragraph strong>{acking ? text(acking.n.title, acking.n.titleKey, acking.n.titleParams) : null}</Typography.Paragraph>
        <Form form={ackForm} layout="vertical" preserve={false}>
          <Form.Item name="note" label={t('notif.ackNote')} rules={rulesFor(TASK_LIMITS.note)}>
            <Input.TextArea rows={3} maxLength={TASK_LIMITS.note} data-testid="ack-note" />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={raising}
        title={t('notif.raise')}
        onCancel={() => setRaising(false)}
        onOk={raise}
        confirmLoading={busy}
        okText={t('common.submit')}
        cancelText={t('common.cancel')}
        destroyOnHidden
      >
        <Form form={raiseForm} layout="vertical" preserve={false} initialValues={{ severity: 'warning' }}>
          <Form.Item label={t('notif.raiseTarget')} extra={t('notif.raiseTargetHint')}>
            <Input value={current?.name} disabled />
          </Form.Item>
          <Form.Item name="severity" label={t('notif.severity')} rules={[{ required: true }]}>
            <Select options={SEVERITIES.map((s) => ({ value: s, label: t(`notif.severity.${s}`) }))} />
          </Form.Item>
          <Form.Item name="title" label={t('notif.raiseTitle')} rules={rulesFor(TASK_LIMITS.title, { required: true, message: t('common.required') })}>
            <Input maxLength={TASK_LIMITS.title} />
          </Form.Item>
          <Form.Item name="body" label={t('notif.raiseBody')} rules={rulesFor(TASK_LIMITS.alertBody, { required: true, message: t('common.required') })}>
            <Input.TextArea rows={3} maxLength={TASK_LIMITS.alertBody} />
          </Form.Item>
        </Form>
      </Modal>
    </div>
  );
}
