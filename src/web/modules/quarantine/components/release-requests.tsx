import { App, Button, Card, Input, List, Modal, Space, Tag, Typography } from 'antd';
import { useState } from 'react';
import { Link } from 'react-router-dom';
import { checkReason, REASON_MAX_CHARS } from '../../../../common/reason.js';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { quarantineApi, type ReleaseRequestDto } from '../api.js';
import { useQuarantineErrorText } from '../errors.js';

const STATUS_COLOR: Record<ReleaseRequestDto['status'], string> = { pending: 'orange', approved: 'green', rejected: 'red', void: 'default' };

/**
 * Early-release requests (提前解除申请) awaiting a second person: on the stays page all pending ones in
 * scope, on a stay's page that stay's. Approvers (quarantine.release-early, not the requester) approve
 * (the stay is released at once) or reject with a reason. Hidden when there is nothing pending.
 */
export function ReleaseRequests({ stayId, reloadKey, onDecided }: { stayId?: string; reloadKey?: unknown; onDecided?(): void }) {
  const { t, lang } = useI18n();
  const { message } = App.useApp();
  const { me } = useSession();
  const errorText = useQuarantineErrorText();
  const list = useRemote((signal) => quarantineApi.releaseRequests({ status: 'pending', stayId, pageSize: 100 }, signal), [stayId, reloadKey]);
  const [busy, setBusy] = useState<string | null>(null);
  const [rejecting, setRejecting] = useState<ReleaseRequestDto | null>(null);
  const [note, setNote] = useState('');
  const noteOk = checkReason(note).ok;

  const decide = async (r: ReleaseRequestDto, decision: 'approve' | 'reject', text?: string) => {
    setBusy(r.id);
    try {
      await quarantineApi.decideRelease(r.id, decision, text ?? null);
      message.success(t(decision === 'approve' ? 'quarantine.approved' : 'quarantine.rejected'));
      setRejecting(null);
      setNote('');
      list.reload();
      onDecided?.();
    } catch (err) {
      message.error(errorText(err));
    } finally {
      setBusy(null);
    }
  };

  if (list.error) return <ErrorAlert error={list.error} onRetry={list.reload} />;
  const items = list.data?.items ?? [];
  if (!items.length) return null;
  return (
    <Card size="small" title={t('quarantine.releaseRequests')} style={{ marginBottom: 12, marginTop: 12 }} data-testid="release-requests">
      <List<ReleaseRequestDto>
        dataSource={items}
        renderItem={(r) => (
          <List.Item
            data-testid="release-request"
            data-id={r.id}
            data-stay={r.stayId}
            actions={
              r.canDecide
                ? [
                    <Button
                      key="a"
                      size="small"
                      type="primary"
                      danger
                      loading={busy === r.id}
                      onClick={() => decide(r, 'approve')}
                      data-testid="release-request-approve"
                    >
                      {t('quarantine.approve')}
                    </Button>,
                    <Button key="r" size="small" onClick={() => setRejecting(r)} data-testid="release-request-reject">
                      {t('quarantine.reject')}
                    </Button>,
                  ]
                : r.requestedBy === me?.id
                  ? [
                      <Typography.Text key="o" type="secondary" data-testid="release-request-own">
                        {t('quarantine.releaseRequestOwn')}
                      </Typography.Text>,
                    ]
                  : []
            }
          >
            <Space orientation="vertical" size={0}>
              <Space size={4}>
                <Tag color={STATUS_COLOR[r.status]}>{t(`quarantine.releaseRequest.${r.status}`)}</Tag>
                {stayId ? null : <Link to={`/quarantine/stays/${r.stayId}`}>{r.personNameMasked ?? '—'}</Link>}
                <Typography.Text data-testid="release-request-reason">{r.reason}</Typography.Text>
              </Space>
              <Typography.Text type="secondary">
                {t('quarantine.releaseRequestBy', { name: r.requestedByName, time: formatTime(r.requestedAt, lang) })}
              </Typography.Text>
            </Space>
          </List.Item>
        )}
      />
      <Modal
        open={!!rejecting}
        title={t('quarantine.reject')}
        okText={t('quarantine.reject')}
        cancelText={t('common.cancel')}
        onCancel={() => (setRejecting(null), setNote(''))}
        onOk={() => rejecting && decide(rejecting, 'reject', note.trim())}
        okButtonProps={{ disabled: !noteOk, loading: !!busy, 'data-testid': 'release-reject-submit' } as never}
        destroyOnHidden
      >
        <Typography.Paragraph>{t('quarantine.rejectNote')}</Typography.Paragraph>
        <Input.TextArea rows={2} maxLength={REASON_MAX_CHARS} value={note} onChange={(e) => setNote(e.target.value)} data-testid="release-reject-note" />
        {note.trim() && !noteOk && <Typography.Text type="danger">{t('person.reasonRule')}</Typography.Text>}
      </Modal>
    </Card>
  );
}
