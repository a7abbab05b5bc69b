<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>ExportDialog</name>
    <message>
        <source>Export a CSV file</source>
        <translation>导出 CSV 文件</translation>
    </message>
    <message>
        <source>File: {0}</source>
        <translation>文件：{0}</translation>
    </message>
    <message>
        <source>Save it to:</source>
        <translation>保存到：</translation>
    </message>
    <message>
        <source>USB drive “{0}”</source>
        <translation>U 盘“{0}”</translation>
    </message>
    <message>
        <source>This kiosk&apos;s export folder</source>
        <translation>本机导出文件夹</translation>
    </message>
    <message>
        <source>The file opens in Excel and WPS.</source>
        <translation>文件可以用 Excel 或 WPS 打开。</translation>
    </message>
    <message>
        <source>No USB drive found. Plug one in, then tap Look again.</source>
        <translation>没有找到 U 盘。请插入 U 盘，然后点“重新查找”。</translation>
    </message>
    <message>
        <source>Look again</source>
        <translation>重新查找</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Export</source>
        <translation>导出</translation>
    </message>
</context>
<context>
    <name>ManagerView</name>
    <message>
        <source>Refunded</source>
        <extracomment>The volume buttons&apos; step (the slider moves by one). Core events of interest, re-emitted here so that they are handled on the GUI thread. A refund slip that could not be printed (from a worker thread). The details panel of each selectable table, which table&apos;s row each panel shows, and that row.</extracomment>
        <translation>已退款</translation>
    </message>
    <message>
        <source>Needs a refund</source>
        <translation>需要退款</translation>
    </message>
    <message>
        <source>Manager — {0}</source>
        <translation>店长 — {0}</translation>
    </message>
    <message>
        <source>Training mode</source>
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
        <source>Settings</source>
        <translation>设置</translation>
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
        <source>Z-report…</source>
        <translation>日结…</translation>
    </message>
    <message>
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <source>Number of orders</source>
        <translation>订单数</translation>
    </message>
    <message>
        <source>Received (WeChat Pay)</source>
        <translation>收款（微信支付）</translation>
    </message>
    <message>
        <source>Average sale</source>
        <translation>客单价</translation>
    </message>
    <message>
        <source>Orders by state</source>
        <translation>订单状态</translation>
    </message>
    <message>
        <source>Best sellers</source>
        <translation>畅销商品</translation>
    </message>
    <message>
        <source>Count</source>
        <translation>笔数</translation>
    </message>
    <message>
        <source>Sold</source>
        <translation>销量</translation>
    </message>
    <message>
        <source>Charged at</source>
        <translation>下单时间</translation>
    </message>
    <message>
        <source>Paid by</source>
        <translation>支付方式</translation>
    </message>
    <message>
        <source>Received by payment method</source>
        <translation>各支付方式收款</translation>
    </message>
    <message>
        <source>Training: jump to 10:00 tomorrow, when today&apos;s bill comes out</source>
        <translation>培训：跳到明天 10:00（今天的账单那时发布）</translation>
    </message>
    <message>
        <source>Payments</source>
        <translation>交易笔数</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>收款</translation>
    </message>
    <message>
        <source>Type</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>What was found</source>
        <translation>对账结果</translation>
    </message>
    <message>
        <source>WeChat Pay</source>
        <translation>微信支付</translation>
    </message>
    <message>
        <source>This kiosk</source>
        <translation>本机</translation>
    </message>
    <message>
        <source>Sound</source>
        <translation>声音</translation>
    </message>
    <message>
        <source>Every payment is announced (a chime and “微信收款 … 元”); a wrong scan or a failed payment sounds a warning.</source>
        <translation>每笔收款都会播报（提示音和“微信收款 … 元”）；扫码错误或支付失败时发出警示音。</translation>
    </message>
    <message>
        <source>Volume</source>
        <translation>音量</translation>
    </message>
    <message>
        <source>Quieter</source>
        <translation>小声一点</translation>
    </message>
    <message>
        <source>Louder</source>
        <translation>大声一点</translation>
    </message>
    <message>
        <source>Try it</source>
        <translation>试听</translation>
    </message>
    <message>
        <source>Refund of {0} for order {1}: {2}</source>
        <translation>订单 {1} 退款 {0}：{2}</translation>
    </message>
    <message>
        <source>refund slip sent to the printer</source>
        <translation>退款凭条已送打印</translation>
    </message>
    <message>
        <source>Tap a row to see all of it here.</source>
        <translation>点一行，在这里查看详情。</translation>
    </message>
    <message>
        <source>First tap the order to refund (Orders, the bill or Reconciliation).</source>
        <translation>请先点选要退款的订单（订单、账单或对账页）。</translation>
    </message>
    <message>
        <source>No refund</source>
        <translation>无法退款</translation>
    </message>
    <message>
        <source>Order {0} was not sold on this kiosk: refund it in the WeChat Pay merchant platform.</source>
        <translation>订单 {0} 不是本机卖出的：请在微信支付商户平台退款。</translation>
    </message>
    <message>
        <source>Order {0} is not paid on this kiosk&apos;s record: tap Re-query order first.</source>
        <translation>本机记录中订单 {0} 未付款：请先点“重新查询订单”。</translation>
    </message>
    <message>
        <source>Order {0} is already refunded in full.</source>
        <translation>订单 {0} 已全额退款。</translation>
    </message>
    <message>
        <source>The refund was not sent</source>
        <translation>退款未发出</translation>
    </message>
    <message>
        <source>The refund slip for order {0} was not printed. Check the printer.</source>
        <translation>订单 {0} 的退款凭条没有打印出来。请检查打印机。</translation>
    </message>
    <message>
        <source>First tap the order to ask WeChat Pay about.</source>
        <translation>请先点选要向微信支付查询的订单。</translation>
    </message>
    <message>
        <source>Re-query failed</source>
        <translation>查询失败</translation>
    </message>
    <message>
        <source>Order {0} is now: {1}</source>
        <translation>订单 {0} 现在：{1}</translation>
    </message>
    <message>
        <source>Fetching the bill for {0}…</source>
        <translation>正在获取 {0} 的账单…</translation>
    </message>
    <message>
        <source>Comparing the bill with this kiosk&apos;s record…</source>
        <translation>正在将账单与本机记录核对…</translation>
    </message>
    <message>
        <source>Reconciliation failed</source>
        <translation>对账失败</translation>
    </message>
    <message>
        <source>No bill to compare for {0}.</source>
        <translation>{0} 没有可核对的账单。</translation>
    </message>
    <message>
        <source>Fetch a bill to compare it with this kiosk&apos;s record.</source>
        <translation>获取账单后即可与本机记录核对。</translation>
    </message>
    <message>
        <source>{0}: WeChat Pay received {1} and refunded {2}; this kiosk recorded {3} received and {4} refunded.</source>
        <translation>{0}：微信支付收款 {1}、退款 {2}；本机记录收款 {3}、退款 {4}。</translation>
    </message>
    <message>
        <source>The training clock did not move</source>
        <translation>培训时间没有调整</translation>
    </message>
    <message>
        <source>Training: WeChat Pay&apos;s clock is now {0}; the bill for {1} can be fetched.</source>
        <translation>培训：微信支付的时间现在是 {0}，可以获取 {1} 的账单了。</translation>
    </message>
    <message>
        <source>No receipt printer is set up on this kiosk.</source>
        <translation>本机没有设置小票打印机。</translation>
    </message>
    <message>
        <source>No Z-report</source>
        <translation>无法日结</translation>
    </message>
    <message>
        <source>The Z-report was not printed</source>
        <translation>日结报表没有打印</translation>
    </message>
    <message>
        <source>The Z-report for {0} was already printed: open it again to print a copy.</source>
        <translation>{0} 的日结报表已经打印过：再打开日结可打印副本。</translation>
    </message>
    <message>
        <source>A copy of the Z-report for {0}, marked REPRINT, is printing.</source>
        <translation>正在打印 {0} 的日结报表副本（标注“重印”）。</translation>
    </message>
    <message>
        <source>The Z-report for {0} is printing.</source>
        <translation>正在打印 {0} 的日结报表。</translation>
    </message>
    <message>
        <source>Fetch a bill first: there is no comparison to export yet.</source>
        <translation>请先获取账单：还没有可导出的对账结果。</translation>
    </message>
    <message>
        <source>The comparison of {0}&apos;s bill with this kiosk&apos;s record</source>
        <translation>{0} 的账单与本机记录的对账结果</translation>
    </message>
    <message>
        <source>The orders of {0}</source>
        <translation>{0} 的订单</translation>
    </message>
    <message>
        <source>The file was not saved</source>
        <translation>文件没有保存</translation>
    </message>
    <message>
        <source>Saved: {0}</source>
        <translation>已保存：{0}</translation>
    </message>
    <message>
        <source>Sound is on</source>
        <translation>声音：开</translation>
    </message>
    <message>
        <source>Sound is off</source>
        <translation>声音：关</translation>
    </message>
    <message>
        <source>The sound setting was not kept</source>
        <translation>声音设置没有保存</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Orders</source>
        <translation>订单</translation>
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
        <source>Sales by hour</source>
        <translation>分时销售</translation>
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
        <source>No.</source>
        <translation>单号</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Day before</source>
        <translation>前一天</translation>
    </message>
    <message>
        <source>Day after</source>
        <translation>后一天</translation>
    </message>
    <message>
        <source>Fetch bill</source>
        <translation>获取账单</translation>
    </message>
    <message>
        <source>Fees</source>
        <translation>手续费</translation>
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
        <source>Orders: {0}</source>
        <translation>笔数：{0}</translation>
    </message>
    <message>
        <source>Refunds: {0}</source>
        <translation>笔数：{0}</translation>
    </message>
    <message>
        <source>Paid after cancel — to refund: {0}</source>
        <translation>取消后付款 — 待退款：{0} 笔</translation>
    </message>
    <message>
        <source>Paid after cancel — nothing to do</source>
        <translation>取消后付款 — 无待处理</translation>
    </message>
    <message>
        <source>Payment codes not settled: {0}</source>
        <translation>付款码订单未了结：{0} 笔</translation>
    </message>
    <message>
        <source>To look at: {0}. Tap one to see what to do.</source>
        <translation>需要查看：{0} 项。点一行查看怎么做。</translation>
    </message>
    <message>
        <source>Everything matches.</source>
        <translation>全部一致。</translation>
    </message>
</context>
<context>
    <name>ManagerWords</name>
    <message>
        <source>Paid</source>
        <translation>已付款</translation>
    </message>
    <message>
        <source>Not paid</source>
        <translation>未付款</translation>
    </message>
    <message>
        <source>Customer paying</source>
        <translation>顾客正在付款</translation>
    </message>
    <message>
        <source>Payment failed</source>
        <translation>付款失败</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>Closed</source>
        <translation>已关闭</translation>
    </message>
    <message>
        <source>Revoked</source>
        <translation>已撤销</translation>
    </message>
    <message>
        <source>Requested</source>
        <translation>已提交</translation>
    </message>
    <message>
        <source>Sent to WeChat Pay</source>
        <translation>已发送到微信支付</translation>
    </message>
    <message>
        <source>Being refunded</source>
        <translation>退款中</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>已退款</translation>
    </message>
    <message>
        <source>Refund stuck: handle it in the WeChat Pay merchant platform</source>
        <translation>退款异常：请在微信支付商户平台处理</translation>
    </message>
    <message>
        <source>Refund closed: nothing was paid back</source>
        <translation>退款关闭：款项没有退出</translation>
    </message>
    <message>
        <source>Refund refused: nothing was paid back</source>
        <translation>退款被拒：款项没有退出</translation>
    </message>
    <message>
        <source>Matches</source>
        <translation>一致</translation>
    </message>
    <message>
        <source>Paid in WeChat Pay, no sale on this kiosk</source>
        <translation>微信已收款，本机无此销售</translation>
    </message>
    <message>
        <source>Paid in WeChat Pay, unpaid on this kiosk</source>
        <translation>微信已收款，本机记为未付款</translation>
    </message>
    <message>
        <source>Paid after the sale was cancelled</source>
        <translation>销售取消后收到付款</translation>
    </message>
    <message>
        <source>Amounts differ</source>
        <translation>金额不一致</translation>
    </message>
    <message>
        <source>Paid on this kiosk, not in the bill</source>
        <translation>本机已收款，账单中没有</translation>
    </message>
    <message>
        <source>Paid twice in the bill</source>
        <translation>账单中重复收款</translation>
    </message>
    <message>
        <source>Another cash register&apos;s sale</source>
        <translation>其他收银机的销售</translation>
    </message>
    <message>
        <source>Refund matches</source>
        <translation>退款一致</translation>
    </message>
    <message>
        <source>Refund differs</source>
        <translation>退款不一致</translation>
    </message>
    <message>
        <source>Refund not made on this kiosk</source>
        <translation>非本机发起的退款</translation>
    </message>
    <message>
        <source>Refund not in the bill</source>
        <translation>账单中没有该退款</translation>
    </message>
    <message>
        <source>Payment code paid and given back</source>
        <translation>付款码已付款并全额退回</translation>
    </message>
    <message>
        <source>Nothing to do</source>
        <translation>无需处理</translation>
    </message>
    <message>
        <source>Refund it in the WeChat Pay merchant platform: this kiosk has no sale for it</source>
        <translation>请在微信支付商户平台退款：本机没有对应的销售</translation>
    </message>
    <message>
        <source>Select it and tap Re-query order</source>
        <translation>选中后点“重新查询订单”</translation>
    </message>
    <message>
        <source>Look the order up in the WeChat Pay merchant platform</source>
        <translation>在微信支付商户平台查看该订单</translation>
    </message>
    <message>
        <source>Select it and tap Re-query order to check the refund</source>
        <translation>选中后点“重新查询订单”核对退款</translation>
    </message>
    <message>
        <source>Look the refund up in the WeChat Pay merchant platform</source>
        <translation>在微信支付商户平台查看该退款</translation>
    </message>
    <message>
        <source>Refunds are not set up on this kiosk. Ask whoever installed it to add the refund permission, or refund in the WeChat Pay merchant platform.</source>
        <translation>本机没有开通退款。请联系安装人员添加退款授权，或在微信支付商户平台退款。</translation>
    </message>
    <message>
        <source>WeChat Pay did not accept the request. Check the order in the merchant platform.</source>
        <translation>微信支付没有接受该请求。请在商户平台查看该订单。</translation>
    </message>
    <message>
        <source>The order has changed meanwhile and no longer allows this. Refresh and look again.</source>
        <translation>订单状态已变化，无法进行此操作。请刷新后再看。</translation>
    </message>
    <message>
        <source>The printer did not take it. Check the printer.</source>
        <translation>打印机没有接收。请检查打印机。</translation>
    </message>
    <message>
        <source>The file could not be saved there. Check that the USB drive is plugged in and not full.</source>
        <translation>无法保存到该位置。请检查 U 盘是否插好、是否已满。</translation>
    </message>
    <message>
        <source>Something went wrong in the kiosk. Try again; the details are in the kiosk&apos;s log.</source>
        <translation>本机出了问题。请重试；详细信息已记入本机日志。</translation>
    </message>
    <message>
        <source>WeChat Pay bill for {0}: {1} rows, checked.</source>
        <translation>{0} 的微信支付账单：{1} 行，已校验。</translation>
    </message>
    <message>
        <source>The bill for {0} is not available yet: the day has not ended.</source>
        <translation>{0} 的账单还不能获取：当天还没有结束。</translation>
    </message>
    <message>
        <source>WeChat Pay is still preparing the bill for {0}; it is published the next morning (from {1}).</source>
        <translation>微信支付还在生成 {0} 的账单；账单于次日上午发布（{1} 起）。</translation>
    </message>
    <message>
        <source>WeChat Pay keeps bills for three months only.</source>
        <translation>微信支付只保留三个月内的账单。</translation>
    </message>
    <message>
        <source>WeChat Pay has no bill for {0} yet. Try again later.</source>
        <translation>微信支付还没有 {0} 的账单。请稍后再试。</translation>
    </message>
    <message>
        <source>No WeChat Pay payments on {0}: there is no bill.</source>
        <translation>{0} 没有微信支付交易，因此没有账单。</translation>
    </message>
    <message>
        <source>The bill for {0} arrived damaged and was not used. Try again later; if it happens again, call support.</source>
        <translation>{0} 的账单传输中损坏，没有采用。请稍后重试；如再次出现，请联系技术支持。</translation>
    </message>
    <message>
        <source>The bill for {0} did not add up and is not shown. Try again later; if it happens again, call support.</source>
        <translation>{0} 的账单数据对不上，没有显示。请稍后重试；如再次出现，请联系技术支持。</translation>
    </message>
    <message>
        <source>Orders: {0}</source>
        <translation>笔数：{0}</translation>
    </message>
    <message>
        <source>{0}: {1} · {2}</source>
        <translation>{0}：{1} 笔 · {2}</translation>
    </message>
    <message>
        <source>Payment codes not settled: {0} (see Orders for what to do).</source>
        <translation>付款码订单未了结：{0} 笔（处理方法见“订单”页）。</translation>
    </message>
    <message>
        <source>Payments after cancel to refund: {0} (see Orders).</source>
        <translation>取消后付款待退款：{0} 笔（见“订单”页）。</translation>
    </message>
    <message>
        <source>Refunds of {0} are in progress.</source>
        <translation>{0} 的退款正在处理中。</translation>
    </message>
    <message>
        <source>Refunds stuck: {0}. Handle them in the WeChat Pay merchant platform.</source>
        <translation>退款异常：{0} 笔。请在微信支付商户平台处理。</translation>
    </message>
    <message>
        <source>Refund {0}: {1} · {2} · {3}</source>
        <translation>退款 {0}：{1} · {2} · {3}</translation>
    </message>
    <message>
        <source>Order {0}</source>
        <translation>订单 {0}</translation>
    </message>
    <message>
        <source>Full number: {0}</source>
        <translation>完整订单号：{0}</translation>
    </message>
    <message>
        <source>WeChat Pay number: {0}</source>
        <translation>微信支付单号：{0}</translation>
    </message>
    <message>
        <source>Paid by: {0}</source>
        <translation>支付方式：{0}</translation>
    </message>
    <message>
        <source>Charged: {0}</source>
        <translation>下单：{0}</translation>
    </message>
    <message>
        <source>Paid: {0}</source>
        <translation>付款：{0}</translation>
    </message>
    <message>
        <source>Nothing taken: {0}</source>
        <translation>未扣款：{0}</translation>
    </message>
    <message>
        <source>Not settled. {0}</source>
        <translation>未了结。{0}</translation>
    </message>
    <message>
        <source>Paid after the sale was cancelled: {0}</source>
        <translation>销售取消后收到付款：{0}</translation>
    </message>
    <message>
        <source>Still to refund: {0}</source>
        <translation>尚需退款：{0}</translation>
    </message>
    <message>
        <source>Refund {0}: {1} · {2}</source>
        <translation>退款 {0}：{1} · {2}</translation>
    </message>
    <message>
        <source>Amount: {0}</source>
        <translation>金额：{0}</translation>
    </message>
    <message>
        <source>Fee: {0}</source>
        <translation>手续费：{0}</translation>
    </message>
    <message>
        <source>no record</source>
        <translation>无记录</translation>
    </message>
    <message>
        <source>What to do: {0}</source>
        <translation>怎么做：{0}</translation>
    </message>
    <message>
        <source>{0} ending {1}</source>
        <translation>{0} 尾号 {1}</translation>
    </message>
    <message>
        <source>The payment server cannot be reached. Check the network and try again.</source>
        <translation>连不上收款服务器。请检查网络后重试。</translation>
    </message>
    <message>
        <source>The payment server does not accept this kiosk. Ask whoever installed it to check its settings.</source>
        <translation>收款服务器不接受本收银机。请联系安装人员检查本机设置。</translation>
    </message>
    <message>
        <source>The payment server or WeChat Pay cannot be reached. Check the network and try again.</source>
        <translation>连不上收款服务器或微信支付。请检查网络后重试。</translation>
    </message>
    <message>
        <source>The payment server refused to fetch the bill. Ask whoever installed the kiosk to check its settings.</source>
        <translation>收款服务器拒绝获取账单。请联系安装人员检查本机设置。</translation>
    </message>
    <message>
        <source>The customer may have paid; the payment server keeps cancelling it. Check it in the WeChat Pay merchant platform, then tap Re-query order.</source>
        <translation>顾客可能已付款，收款服务器正在不断撤销这笔付款。请在微信支付商户平台核查，再点“重新查询订单”。</translation>
    </message>
    <message>
        <source>The customer&apos;s payment went through just as the sale was called off, and WeChat Pay gave all of it back.</source>
        <translation>顾客的付款恰在交易取消时完成，微信支付已全额退回。</translation>
    </message>
    <message>
        <source>Refund number: {0}</source>
        <translation>退款单号：{0}</translation>
    </message>
    <message>
        <source>WeChat Pay: {0}</source>
        <translation>微信支付：{0}</translation>
    </message>
    <message>
        <source>This kiosk: {0}</source>
        <translation>本机：{0}</translation>
    </message>
    <message>
        <source>Time: {0}</source>
        <translation>时间：{0}</translation>
    </message>
    <message>
        <source>Unknown</source>
        <translation>未知</translation>
    </message>
</context>
<context>
    <name>RefundDialog</name>
    <message>
        <source>Refund order {0}</source>
        <translation>退款：订单 {0}</translation>
    </message>
    <message>
        <source>Paid {0} · can be refunded {1}
Order number: {2}</source>
        <translation>实付 {0} · 可退 {1}
订单号：{2}</translation>
    </message>
    <message>
        <source>Amount to refund (yuan)</source>
        <translation>退款金额（元）</translation>
    </message>
    <message>
        <source>All of it</source>
        <translation>全额</translation>
    </message>
    <message>
        <source>Reason (the customer sees it in WeChat)</source>
        <translation>退款原因（顾客会在微信里看到）</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Refund {0}</source>
        <translation>退款 {0}</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>The customer reads: {0}</source>
        <translation>顾客看到：{0}</translation>
    </message>
    <message>
        <source>Tap a reason.</source>
        <translation>请点选一个原因。</translation>
    </message>
    <message>
        <source>Enter an amount more than 0 and at most {0}.</source>
        <translation>请输入大于 0 且不超过 {0} 的金额。</translation>
    </message>
    <message>
        <source>Tap the reason for the refund.</source>
        <translation>请点选退款原因。</translation>
    </message>
</context>
<context>
    <name>ZReportDialog</name>
    <message>
        <source>Z-report for {0}</source>
        <translation>{0} 日结报表</translation>
    </message>
    <message>
        <source>Received</source>
        <translation>收款</translation>
    </message>
    <message>
        <source>Refunded</source>
        <translation>退款</translation>
    </message>
    <message>
        <source>Net</source>
        <translation>净收入</translation>
    </message>
    <message>
        <source>Number of orders</source>
        <translation>订单数</translation>
    </message>
    <message>
        <source>Not printed yet. The Z-report is printed once a day.</source>
        <translation>尚未打印。日结报表每天打印一次。</translation>
    </message>
    <message>
        <source>Print</source>
        <translation>打印</translation>
    </message>
    <message>
        <source>Printed at {0}. Another copy is marked REPRINT.</source>
        <translation>已于 {0} 打印。再打印的副本会标注“重印”。</translation>
    </message>
    <message>
        <source>Print a copy</source>
        <translation>打印副本</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
</TS>
