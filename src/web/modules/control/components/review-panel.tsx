import { Alert, App, Button, Card, Form, Input, Modal, Segmented, Space, Table, Tag, Typography } from 'antd';
import { useEffect, useState } from 'react';
import { formatTime } from '../../../app/format.js';
import { useI18n } from '../../../app/i18n.js';
import { useMe, useSession } from '../../../app/session.js';
import { useRemote } from '../../../app/use-remote.js';
import { useAction } from '../../../app/use-action.js';
import { ErrorAlert } from '../../../components/error-alert.js';
import { JurisdictionName } from '../../../components/jurisdiction-name.js';
import { ReasonModal } from '../../../components/reason-modal.js';
import { controlApi, type ReviewRecordDto, type ReviewStatus } from '../api.js';
import { useControlErrorText } from '../errors.js';
import { CONTROL_LIMITS } from '../../../../common/control.js';
import { rulesFor } from '../../../app/form-rules.js';

interface NewReview {
  subject: string;
  reason: string;
  evidence: string;
}

/**
 * Review records (研判记录): one person writes the subject, the reason and the evidence; a second
 * person approves or rejects. Only an approved record can be cited as a manual-review basis.
 */
export function ReviewPanel({ jurisdictionId }: { jurisdictionId?: string }) {
  const { t, lang } = useI18n();
  const me = useMe();
  const { can } = useSession();
  const { message } = App.useApp();
  const errorText = useControlErrorText();
  const [status, setStatus] = useState<ReviewStatus>('pending');
  const [page, setPage] = useState(1);
  const list = useRemote((signal) => controlApi.reviews({ status, limit: 20, offset: (page - 1) * 20 }, signal), [status, page]);
  const [creating, setCreating] = useState(false);
  const [rejecting, setRejecting] = useState<ReviewRecordDto | null>(null);
  const createReview = useAction(
    (v: NewReview) => controlApi.createReview({ jurisdictionId, subject: v.subject.trim(), reason: v.reason.trim(), evidence: v.evidence.trim() }),
    {
      onError: (err) => message.error(errorText(err)),
    },
  );
  const busy = createReview.busy;
  const [refusal, setRefusal] = useState<string | null>(null);
  const [form] = Form.useForm<NewReview>();
  const canDecide = can('status.approve-bulk');

  useEffect(() => setPage(1), [status]);

  const create = async () => {
    const v = await form.validateFields().catch(() => null);
    if (!v) return;
    if ((await createReview.run(v)) === undefined) return;
    message.success(t('control.review.created'));
    setCreating(false);
    if (status === 'pending') list.reload();
    else setStatus('pending');
  };

  const approve = async (r: ReviewRecordDto) => {
    setRefusal(null);
    try {
      await controlApi.approveReview(r.id);
      message.success(t('control.review.approved'));
      list.reload();
    } catch (err) {
      setRefusal(errorText(err));
    }
  };

  const textRules = (max: number) =>
    rulesFor(max, { required: true, message: t('common.required'), min: CONTROL_LIMITS.reviewMinText, minMessage: t('control.review.invalid') });

  return (
    <Card
      title={t('control.review.title')}
      style={{ marginTop: 16 }}
      data-testid="review-panel"
      extra={
        <Space>
          <Segmented<ReviewStatus>
            value={status}
            onChange={setStatus}
            options={(['pending', 'approved', 'rejected'] as const).map((s) => ({ value: s, label: t(`control.review.status.${s}`) }))}
            data-testid="review-status-filter"
          />
          {can('control.change') && (
            <Button type="primary" onClick={() => setCreating(true)} data-testid="review-new">
              {t('control.review.new')}
            </Button>
          )}
        </Space>
      }
    >
      <Alert type="info" showIcon title={t('control.review.hint')} style={{ marginBottom: 16 }} />
      <ErrorAlert error={list.error} onRetry={list.reload} />
      {refusal && (
        <Alert type="error" showIcon title={refusal} closable={{ onClose: () => setRefusal(null) }} style={{ marginBottom: 16 }} data-testid="review-refusal" />
      )}
      <Table<ReviewRecordDto>
        rowKey="id"
        size="middle"
        loading={list.loading}
        dataSource={list.data?.items ?? []}
        scroll={{ x: 960 }}
        pagination={{ current: page, pageSize: 20, total: list.data?.total ?? 0, onChange: setPage, showTotal: (n) => t('common.total', { n }) }}
        onRow={(r) => ({ 'data-testid': 'review-row', 'data-subject': r.subject }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          { title: t('control.review.subject'), dataIndex: 'subject' },
          { title: t('control.review.reason'), dataIndex: 'reason', ellipsis: true },
          { title: t('control.review.evidence'), dataIndex: 'evidence', ellipsis: true },
          { title: t('common.jurisdiction'), dataIndex: 'jurisdictionPath', render: (p: string) => <JurisdictionName path={p} /> },
          {
            title: t('control.review.reviewer'),
            key: 'by',
            render: (_: unknown, r) => (
              <Space orientation="vertical" size={0}>
                <span>
                  {r.reviewer.name} {r.reviewer.id === me.id && <Tag color="blue">{t('control.review.own')}</Tag>}
                </span>
                <Typography.Text type="secondary">{formatTime(r.createdAt, lang)}</Typography.Text>
              </Space>
            ),
          },
          {
            title: status === 'pending' ? t('common.actions') : t('control.review.decidedBy'),
            key: 'actions',
            render: (_: unknown, r) =>
              r.status === 'pending' ? (
                canDecide && (
                  <Space>
                    <Button type="primary" size="small" data-testid="review-approve" onClick={() => approve(r)}>
                      {t('control.review.approve')}
                    </Button>
                    <Button danger size="small" data-testid="review-reject" onClick={() => (setRefusal(null), setRejecting(r))}>
                      {t('control.review.reject')}
                    </Button>
                  </Space>
                )
              ) : (
                <Space orientation="vertical" size={0}>
                  <span>{(r.approvedBy ?? r.rejectedBy)?.name ?? '—'}</span>
                  <Typography.Text type="secondary">{r.approvalNote ?? r.rejectReason ?? ''}</Typography.Text>
                </Space>
              ),
          },
        ]}
      />
      <Modal
        open={creating}
        title={t('control.review.new')}
        okText={t('common.submit')}
        cancelText={t('common.cancel')}
        okButtonProps={{ loading: busy, 'data-testid': 'review-submit' } as never}
        onOk={create}
        onCancel={() => setCreating(false)}
        destroyOnHidden
      >
        <Form form={form} layout="vertical" preserve={false} data-testid="review-form">
          <Form.Item name="subject" label={t('control.review.subject')} rules={textRules(CONTROL_LIMITS.reviewSubject)}>
            <Input maxLength={CONTROL_LIMITS.reviewSubject} />
          </Form.Item>
          <Form.Item name="reason" label={t('control.review.reason')} rules={textRules(CONTROL_LIMITS.reviewReason)}>
            <Input.TextArea rows={3} maxLength={CONTROL_LIMITS.reviewReason} />
          </Form.Item>
          <Form.Item name="evidence" label={t('control.review.evidence')} rules={textRules(CONTROL_LIMITS.reviewEvidence)}>
            <Input.TextArea rows={3} maxLength={CONTROL_LIMITS.reviewEvidence} />
          </Form.Item>
        </Form>
      </Modal>
      <ReasonModal
        open={!!rejecting}
        title={t('control.review.rejectTitle')}
        danger
        onCancel={() => setRejecting(null)}
        onSubmit={async ({ reason }) => {
          try {
            await controlApi.rejectReview(rejecting!.id, reason);
            message.success(t('control.review.rejected'));
            list.reload();
            return true;
          } catch (err) {
            message.error(errorText(err));
            return false;
          }
        }}
      />
    </Card>
  );
}
