<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>AlertBanner</name>
    <message>
        <source>Got it</source>
        <translation>知道了</translation>
    </message>
</context>
<context>
    <name>CartView</name>
    <message>
        <source>Item</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Qty</source>
        <translation>数量</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>删除</translation>
    </message>
</context>
<context>
    <name>CatalogView</name>
    <message>
        <source>Other</source>
        <extracomment>Button text width in columns (a CJK character counts two): about one 21 px line of a catalogue button.</extracomment>
        <translation>其他</translation>
    </message>
</context>
<context>
    <name>CustomerDisplay</name>
    <message>
        <source>Scan with WeChat to pay</source>
        <translation>请用微信扫码支付</translation>
    </message>
    <message>
        <source>Thank you!</source>
        <translation>谢谢惠顾！</translation>
    </message>
    <message>
        <source>Welcome</source>
        <translation>欢迎光临</translation>
    </message>
    <message>
        <source>Please wait…</source>
        <translation>请稍候…</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Kiosk — cashier</source>
        <extracomment>Emitted once, after the first paint. The core is attached and the sale page is usable.</extracomment>
        <translation>Kiosk 收银台</translation>
    </message>
    <message>
        <source>Starting…</source>
        <translation>正在启动…</translation>
    </message>
    <message>
        <source>Today's orders</source>
        <translation>今日订单</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>店长</translation>
    </message>
    <message>
        <source>Exit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Training mode</source>
        <translation>培训模式</translation>
    </message>
    <message>
        <source>Charge failed: {0}</source>
        <translation>收款失败：{0}</translation>
    </message>
    <message>
        <source>Payment cancelled: {0}</source>
        <translation>已取消收款：{0}</translation>
    </message>
    <message>
        <source>Cancel failed: {0}</source>
        <translation>取消失败：{0}</translation>
    </message>
    <message>
        <source>Re-query failed: {0}</source>
        <translation>查询失败：{0}</translation>
    </message>
    <message>
        <source>Simulated payment failed: {0}</source>
        <translation>模拟支付失败：{0}</translation>
    </message>
    <message>
        <source>QR slip sent to the printer</source>
        <translation>付款码小票已发送到打印机</translation>
    </message>
    <message>
        <source>Printing failed: {0}</source>
        <translation>打印失败：{0}</translation>
    </message>
    <message>
        <source>Receipt sent to the printer</source>
        <translation>收据已发送到打印机</translation>
    </message>
    <message>
        <source>Paid: {0}</source>
        <translation>已支付：{0}</translation>
    </message>
    <message>
        <source>Payment received after cancel: order {0}, {1}. The money has arrived — hand over the goods or ask the manager to refund it.</source>
        <translation>取消后收到付款：订单 {0}，{1}。款项已到账——请交付商品，或请店长退款。</translation>
    </message>
    <message>
        <source>Printing…</source>
        <translation>正在打印…</translation>
    </message>
    <message>
        <source>Print failed: {0}</source>
        <translation>打印失败：{0}</translation>
    </message>
    <message>
        <source>Relay: connecting…</source>
        <translation>服务器：正在连接…</translation>
    </message>
    <message>
        <source>Relay: not authorized (check the kiosk token)</source>
        <translation>服务器：未授权（请检查收银机令牌）</translation>
    </message>
    <message>
        <source>Relay: online</source>
        <translation>服务器：在线</translation>
    </message>
    <message>
        <source>Relay: OFFLINE</source>
        <translation>服务器：离线</translation>
    </message>
    <message>
        <source>Printer: none</source>
        <translation>打印机：未配置</translation>
    </message>
    <message>
        <source>Printer: {0}</source>
        <translation>打印机：{0}</translation>
    </message>
    <message>
        <source>Printer: ready</source>
        <translation>打印机：就绪</translation>
    </message>
    <message>
        <source>Loading today's orders</source>
        <translation>读取今日订单</translation>
    </message>
    <message>
        <source>The manager screen is not available in this version</source>
        <translation>此版本暂无店长界面</translation>
    </message>
    <message>
        <source>The kiosk could not start: {0}</source>
        <extracomment>Printed on stdout by --exit-after-start / --exit-after-sale for smoke tests and the start-up bench.</extracomment>
        <translation>收银台无法启动：{0}</translation>
    </message>
</context>
<context>
    <name>OrdersView</name>
    <message>
        <source>Today's orders</source>
        <translation>今日订单</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>订单号</translation>
    </message>
    <message>
        <source>Description</source>
        <translation>商品</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Reprint QR slip</source>
        <translation>重印付款码小票</translation>
    </message>
    <message>
        <source>Reprint receipt</source>
        <translation>重印收据</translation>
    </message>
    <message>
        <source>Back</source>
        <translation>返回</translation>
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
        <source>Waiting for relay</source>
        <translation>等待服务器</translation>
    </message>
    <message>
        <source>Awaiting payment</source>
        <translation>待支付</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>已支付</translation>
    </message>
    <message>
        <source>Paid after cancel</source>
        <translation>取消后已支付</translation>
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
</context>
<context>
    <name>PaidView</name>
    <message>
        <source>Paid</source>
        <translation>已支付</translation>
    </message>
    <message>
        <source>New order</source>
        <translation>新订单</translation>
    </message>
    <message>
        <source>The receipt is printing</source>
        <translation>正在打印收据</translation>
    </message>
</context>
<context>
    <name>PaymentView</name>
    <message>
        <source>Cancel payment</source>
        <translation>取消收款</translation>
    </message>
    <message>
        <source>Print QR slip</source>
        <translation>打印付款码</translation>
    </message>
    <message>
        <source>Re-query</source>
        <translation>重新查询</translation>
    </message>
    <message>
        <source>Simulate payment</source>
        <translation>模拟支付</translation>
    </message>
    <message>
        <source>Back to the order</source>
        <translation>返回订单</translation>
    </message>
    <message>
        <source>Ask the customer to scan with WeChat</source>
        <translation>请顾客用微信扫码</translation>
    </message>
    <message>
        <source>Order {0}</source>
        <translation>订单 {0}</translation>
    </message>
    <message>
        <source>Expires in {0}</source>
        <translation>剩余 {0}</translation>
    </message>
    <message>
        <source>Creating the order…</source>
        <translation>正在创建订单…</translation>
    </message>
    <message>
        <source>Waiting for the relay…</source>
        <translation>正在等待服务器…</translation>
    </message>
    <message>
        <source>Paid</source>
        <translation>已支付</translation>
    </message>
    <message>
        <source>This QR code is no longer valid</source>
        <translation>此付款码已失效</translation>
    </message>
    <message>
        <source>Relay unreachable — retrying. You can cancel.</source>
        <translation>无法连接服务器，正在重试。可以取消。</translation>
    </message>
    <message>
        <source>Waiting for payment</source>
        <translation>等待支付</translation>
    </message>
    <message>
        <source>Customer is paying…</source>
        <translation>顾客正在支付…</translation>
    </message>
    <message>
        <source>Payment failed — the customer may try again</source>
        <translation>支付失败，顾客可重新支付</translation>
    </message>
    <message>
        <source>Paid after cancel</source>
        <translation>取消后已支付</translation>
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
</context>
<context>
    <name>PinDialog</name>
    <message>
        <source>Manager PIN</source>
        <extracomment>Documented in kiosk.manager.pin too; training mode has no configuration to hold a PIN.</extracomment>
        <translation>店长密码</translation>
    </message>
    <message>
        <source>Enter the manager PIN</source>
        <translation>请输入店长密码</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>No manager PIN is configured ([manager] pin_sha256).</source>
        <translation>未设置店长密码（[manager] pin_sha256）。</translation>
    </message>
    <message>
        <source>Wrong PIN</source>
        <translation>密码错误</translation>
    </message>
</context>
<context>
    <name>SaleView</name>
    <message>
        <source>Scan a barcode or type a SKU, then Enter</source>
        <translation>扫描条码或输入货号，按回车</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <source>Charge</source>
        <translation>收款</translation>
    </message>
    <message>
        <source>Unknown barcode or SKU: {0}</source>
        <translation>未知条码或货号：{0}</translation>
    </message>
    <message>
        <source>Total {0}</source>
        <translation>合计 {0}</translation>
    </message>
    <message>
        <source>{0} items</source>
        <translation>共 {0} 件</translation>
    </message>
</context>
</TS>
