<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>ManagerPinDialog</name>
    <message>
        <source>Manager PIN</source>
        <translation>店长密码</translation>
    </message>
    <message>
        <source>Enter the manager PIN</source>
        <translation>请输入店长密码</translation>
    </message>
    <message>
        <source>Too many wrong PINs. Locked until %1.</source>
        <translation>密码错误次数过多，已锁定至 %1。</translation>
    </message>
    <message>
        <source>No manager PIN is set. Run: python -m kiosk.manager set-pin, and add the line to kiosk.toml.</source>
        <translation>尚未设置店长密码。请运行 python -m kiosk.manager set-pin，并将输出的一行加入 kiosk.toml。</translation>
    </message>
    <message>
        <source>Wrong PIN. Tries left: %1</source>
        <translation>密码错误。剩余尝试次数：%1</translation>
    </message>
</context>
<context>
    <name>ManagerView</name>
    <message>
        <source>Refunded</source>
        <extracomment>Core events of interest, re-emitted here so that they are handled on the GUI thread. A message from a worker thread (refund slip not printed, …).</extracomment>
        <translation>已退款</translation>
    </message>
    <message>
        <source>Needs a refund</source>
        <translation>需要退款</translation>
    </message>
    <message>
        <source> (training)</source>
        <translation>（培训模式）</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>店长</translation>
    </message>
    <message>
        <source>Manager — %1</source>
        <translation>店长 — %1</translation>
    </message>
    <message>
        <source>TRAINING</source>
        <translation>培训模式</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>今日</translation>
    </message>
    <message>
        <source>WeChat Pay bill</source>
        <translation>微信支付账单</translation>
    </message>
    <message>
        <source>Reconciliation</source>
        <translation>对账</translation>
    </message>
    <message>
        <source>Refund…</source>
        <translation>退款…</translation>
    </message>
    <message>
        <source>Re-query order</source>
        <translation>重新查询订单</translation>
    </message>
    <message>
        <source>Print Z-report</source>
        <translation>打印日结报表</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>订单数</translation>
    </message>
    <message>
        <source>Paid (WeChat Pay)</source>
        <translation>收款（微信支付）</translation>
    </message>
    <message>
        <source>Sales</source>
        <translation>销售</translation>
    </message>
    <message>
        <source>Refunds</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>Net</source>
        <translation>净收入</translation>
    </message>
    <message>
        <source>Average ticket</source>
        <translation>客单价</translation>
    </message>
    <message>
        <source>Sales by hour</source>
        <translation>分时销售</translation>
    </message>
    <message>
        <source>Top items</source>
        <translation>畅销商品</translation>
    </message>
    <message>
        <source>Paid after cancel — needs attention</source>
        <translation>取消后付款 — 需要处理</translation>
    </message>
    <message>
        <source>Today&apos;s orders</source>
        <translation>今日订单</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>订单号</translation>
    </message>
    <message>
        <source>Refundable</source>
        <translation>可退金额</translation>
    </message>
    <message>
        <source>Paid at</source>
        <translation>支付时间</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Paid by</source>
        <translation>支付方式</translation>
    </message>
    <message>
        <source>Fetch bill</source>
        <translation>获取账单</translation>
    </message>
    <message>
        <source>Training: advance sandbox clock one day (to 10:00 tomorrow)</source>
        <translation>培训：沙箱时钟前进一天（至次日 10:00）</translation>
    </message>
    <message>
        <source>Transactions</source>
        <translation>交易笔数</translation>
    </message>
    <message>
        <source>Settled amount</source>
        <translation>应结订单金额</translation>
    </message>
    <message>
        <source>Fees</source>
        <translation>手续费</translation>
    </message>
    <message>
        <source>Trade state</source>
        <translation>交易状态</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>Fee</source>
        <translation>手续费</translation>
    </message>
    <message>
        <source>Refund no.</source>
        <translation>退款单号</translation>
    </message>
    <message>
        <source>Transaction id</source>
        <translation>微信支付单号</translation>
    </message>
    <message>
        <source>Category</source>
        <translation>类别</translation>
    </message>
    <message>
        <source>What to do</source>
        <translation>建议操作</translation>
    </message>
    <message>
        <source>Bill amount</source>
        <translation>账单金额</translation>
    </message>
    <message>
        <source>Journal amount</source>
        <translation>日记账金额</translation>
    </message>
    <message>
        <source>Bill state</source>
        <translation>账单状态</translation>
    </message>
    <message>
        <source>Journal state</source>
        <translation>日记账状态</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>Fetch a bill to reconcile it with the journal.</source>
        <translation>获取账单后即可与日记账对账。</translation>
    </message>
    <message>
        <source>Draft</source>
        <translation>草稿</translation>
    </message>
    <message>
        <source>Creating</source>
        <translation>创建中</translation>
    </message>
    <message>
        <source>Pending creation</source>
        <translation>待创建</translation>
    </message>
    <message>
        <source>Awaiting payment</source>
        <translation>待付款</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>已付款</translation>
    </message>
    <message>
        <source>Paid after cancel</source>
        <translation>取消后付款</translation>
    </message>
    <message>
        <source>Cancelled</source>
        <translation>已取消</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>已过期</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>Matched</source>
        <translation>一致</translation>
    </message>
    <message>
        <source>Paid in WeChat Pay, no order in the journal</source>
        <translation>微信已收款，日记账无此订单</translation>
    </message>
    <message>
        <source>Paid in WeChat Pay, unpaid in the journal</source>
        <translation>微信已收款，日记账显示未付款</translation>
    </message>
    <message>
        <source>Paid in WeChat Pay after the sale was cancelled</source>
        <translation>销售取消后微信收到付款</translation>
    </message>
    <message>
        <source>Amounts differ</source>
        <translation>金额不一致</translation>
    </message>
    <message>
        <source>Paid in the journal, missing from the bill</source>
        <translation>日记账已付款，账单中没有</translation>
    </message>
    <message>
        <source>Paid twice in the bill</source>
        <translation>账单中重复收款</translation>
    </message>
    <message>
        <source>Another kiosk&apos;s order</source>
        <translation>其他收银机的订单</translation>
    </message>
    <message>
        <source>Refund matched</source>
        <translation>退款一致</translation>
    </message>
    <message>
        <source>Refund differs</source>
        <translation>退款不一致</translation>
    </message>
    <message>
        <source>Refund not made by this kiosk</source>
        <translation>非本机发起的退款</translation>
    </message>
    <message>
        <source>Refund missing from the bill</source>
        <translation>账单中缺少该退款</translation>
    </message>
    <message>
        <source>Paid by code, then given back by the reverse</source>
        <translation>付款码已扣款，又经撤销退回</translation>
    </message>
    <message>
        <source>Nothing to do</source>
        <translation>无需处理</translation>
    </message>
    <message>
        <source>Refund the payment that has no sale</source>
        <translation>退还没有对应销售的付款</translation>
    </message>
    <message>
        <source>Re-query the order</source>
        <translation>重新查询订单</translation>
    </message>
    <message>
        <source>Check the order in WeChat Pay</source>
        <translation>在微信支付商户平台核对订单</translation>
    </message>
    <message>
        <source>Check the refund status</source>
        <translation>查询退款状态</translation>
    </message>
    <message>
        <source>Check the refund in WeChat Pay</source>
        <translation>在微信支付商户平台核对退款</translation>
    </message>
    <message>
        <source>Loading today&apos;s numbers</source>
        <translation>正在加载今日数据</translation>
    </message>
    <message>
        <source>(%1 in progress)</source>
        <translation>（%1 处理中）</translation>
    </message>
    <message>
        <source>(%1 abnormal: handle in the WeChat Pay merchant platform)</source>
        <translation>（退款异常 %1 笔：请在微信支付商户平台处理）</translation>
    </message>
    <message>
        <source>Payment codes not settled yet (being reversed; check in the merchant platform): %1</source>
        <translation>付款码订单尚未了结（正在撤销，请在商户平台核查）：%1</translation>
    </message>
    <message>
        <source>Paid after cancel — needs attention: %1</source>
        <translation>取消后付款 — 待处理：%1 笔</translation>
    </message>
    <message>
        <source>Paid after cancel — nothing to do</source>
        <translation>取消后付款 — 无待处理</translation>
    </message>
    <message>
        <source>Select a paid order first (Today or Reconciliation).</source>
        <translation>请先选择一笔已付款的订单（今日或对账页）。</translation>
    </message>
    <message>
        <source>Order %1 is not in this kiosk&apos;s journal: refund it in the WeChat Pay merchant platform.</source>
        <translation>订单 %1 不在本机日记账中：请在微信支付商户平台退款。</translation>
    </message>
    <message>
        <source>Order %1 is not paid in the journal; re-query it first.</source>
        <translation>订单 %1 在日记账中未付款，请先重新查询。</translation>
    </message>
    <message>
        <source>Order %1 is already fully refunded.</source>
        <translation>订单 %1 已全额退款。</translation>
    </message>
    <message>
        <source>Refund refused: %1</source>
        <translation>退款被拒绝：%1</translation>
    </message>
    <message>
        <source>requested</source>
        <translation>已提交</translation>
    </message>
    <message>
        <source>processing</source>
        <translation>处理中</translation>
    </message>
    <message>
        <source>refunded — slip printed</source>
        <translation>退款成功 — 已打印退款单</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <source>closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>abnormal: check in WeChat Pay</source>
        <translation>异常：请在微信支付商户平台核对</translation>
    </message>
    <message>
        <source>Refund %1 of %2: %3</source>
        <translation>退款 %1（%2）：%3</translation>
    </message>
    <message>
        <source>Select an order first.</source>
        <translation>请先选择订单。</translation>
    </message>
    <message>
        <source>Re-query failed: %1</source>
        <translation>重新查询失败：%1</translation>
    </message>
    <message>
        <source>Re-query</source>
        <translation>重新查询</translation>
    </message>
    <message>
        <source>Order %1 is now: %2</source>
        <translation>订单 %1 当前状态：%2</translation>
    </message>
    <message>
        <source>Fetching the bill for %1…</source>
        <translation>正在获取 %1 的账单…</translation>
    </message>
    <message>
        <source>No bill to reconcile for %1.</source>
        <translation>%1 没有可对账的账单。</translation>
    </message>
    <message>
        <source>WeChat Pay bill for %1: %2 rows, verified.</source>
        <translation>%1 的微信支付账单：%2 行，已校验。</translation>
    </message>
    <message>
        <source>The bill for %1 is not available yet: the day has not ended.</source>
        <translation>%1 的账单尚不可用：当天还未结束。</translation>
    </message>
    <message>
        <source>WeChat Pay is still preparing the bill for %1; it is published the next morning (from %2).</source>
        <translation>微信支付仍在生成 %1 的账单；账单于次日上午发布（%2 起）。</translation>
    </message>
    <message>
        <source>WeChat Pay keeps bills for three months only.</source>
        <translation>微信支付仅保留三个月内的账单。</translation>
    </message>
    <message>
        <source>The bill for %1 is not available: %2</source>
        <translation>%1 的账单不可用：%2</translation>
    </message>
    <message>
        <source>No WeChat Pay transactions on %1: there is no bill.</source>
        <translation>%1 没有微信支付交易，因此没有账单。</translation>
    </message>
    <message>
        <source>The bill for %1 failed its integrity check (hash) and was rejected. Try again later; if it happens again, call support.</source>
        <translation>%1 的账单未通过完整性校验（哈希），已拒收。请稍后重试；如再次出现，请联系技术支持。</translation>
    </message>
    <message>
        <source>The relay or WeChat Pay cannot be reached. Check the network and try again. (%1)</source>
        <translation>无法连接中继服务或微信支付。请检查网络后重试。（%1）</translation>
    </message>
    <message>
        <source>The bill received is inconsistent and is not shown: %1</source>
        <translation>收到的账单数据不一致，不予显示：%1</translation>
    </message>
    <message>
        <source>The relay refused the request: %1</source>
        <translation>中继服务拒绝了请求：%1</translation>
    </message>
    <message>
        <source>Reconciling…</source>
        <translation>正在对账…</translation>
    </message>
    <message>
        <source>%1: bill %2 paid, %3 refunded; journal %4 paid, %5 refunded.</source>
        <translation>%1：账单收款 %2、退款 %3；日记账收款 %4、退款 %5。</translation>
    </message>
    <message>
        <source>%1 items need attention.</source>
        <translation>%1 项需要处理。</translation>
    </message>
    <message>
        <source>Everything matches.</source>
        <translation>全部一致。</translation>
    </message>
    <message>
        <source>Sandbox clock</source>
        <translation>沙箱时钟</translation>
    </message>
    <message>
        <source>Sandbox clock is now %1: the bill for %2 can be fetched.</source>
        <translation>沙箱时间现为 %1：可以获取 %2 的账单了。</translation>
    </message>
    <message>
        <source>No receipt printer is configured.</source>
        <translation>未配置小票打印机。</translation>
    </message>
    <message>
        <source>Z-report reprinted.</source>
        <translation>日结报表已重印。</translation>
    </message>
    <message>
        <source>Z-report for %1 sent to the printer.</source>
        <translation>%1 的日结报表已发送到打印机。</translation>
    </message>
    <message>
        <source>Reprint Z-report</source>
        <translation>重印日结报表</translation>
    </message>
    <message>
        <source>The Z-report for %1 was already printed. Press again to print a copy marked REPRINT.</source>
        <translation>%1 的日结报表已打印过。再按一次将打印标有“重印”的副本。</translation>
    </message>
    <message>
        <source>Z-report</source>
        <translation>日结报表</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>导出 CSV</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV 文件 (*.csv)</translation>
    </message>
    <message>
        <source>Fetch a bill first: there is no reconciliation to export.</source>
        <translation>请先获取账单：目前没有可导出的对账结果。</translation>
    </message>
    <message>
        <source>Exported to %1</source>
        <translation>已导出到 %1</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <source>Refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>e.g. customer returned the goods</source>
        <translation>例如：顾客退货</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>订单号</translation>
    </message>
    <message>
        <source>Refundable</source>
        <translation>可退金额</translation>
    </message>
    <message>
        <source>Amount (yuan)</source>
        <translation>金额（元）</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Enter an amount in yuan, for example 12.50</source>
        <translation>请输入以元为单位的金额，例如 12.50</translation>
    </message>
    <message>
        <source>The amount must be more than 0 and at most %1.</source>
        <translation>金额必须大于 0 且不超过 %1。</translation>
    </message>
    <message>
        <source>Enter a reason for the refund</source>
        <translation>请输入退款原因</translation>
    </message>
</context>
</TS>
